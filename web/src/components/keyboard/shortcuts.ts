export interface ShortcutHelp {
  keys: string[];
  description: string;
}

export const queueShortcuts: ShortcutHelp[] = [
  { keys: ['j'], description: 'Next session in the list' },
  { keys: ['k'], description: 'Previous session in the list' },
  { keys: ['Enter'], description: 'Open the selected session' },
  { keys: ['c'], description: 'Claim the next session matching the filters and open it' },
  { keys: ['u'], description: 'Undo your last decision while its countdown runs' },
  { keys: ['?'], description: 'Show these shortcuts' },
];

export const sessionShortcuts: ShortcutHelp[] = [
  { keys: ['a'], description: 'Approve: open the decision form with Approved' },
  { keys: ['d'], description: 'Decline: open the decision form with Declined' },
  { keys: ['r'], description: 'Ask to try again: the user redoes the liveness step (In Review only)' },
  { keys: ['1', '…', '9'], description: 'Pick the reason with that number' },
  { keys: ['n'], description: 'Write a note: sent with the decision, or added on its own' },
  { keys: ['Enter'], description: 'Send the decision, once a reason is chosen' },
  { keys: ['Ctrl', 'Enter'], description: 'From the note: send the decision, or add the note on its own (⌘ Enter on a Mac)' },
  { keys: ['e'], description: 'Escalate to a lead: hand the session to the leads with a note instead of deciding' },
  { keys: ['c'], description: 'Claim the next session and open it' },
  { keys: ['u'], description: 'Undo your last decision while its countdown runs (it reopens that session)' },
  { keys: ['v'], description: 'Reveal the faces (asks for a purpose on a session you have not claimed), or blur them again' },
  { keys: ['+', '-', '0'], description: 'Zoom the images in, out, reset' },
  { keys: ['Esc'], description: 'Leave the note, close the form or dialog' },
  { keys: ['?'], description: 'Show these shortcuts' },
];
