/** The JSON body of a response, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function bodyOf(res: Response): Promise<any> {
  return res.json();
}
