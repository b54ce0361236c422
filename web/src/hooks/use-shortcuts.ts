import { useLayoutEffect, useRef } from 'react';

/** A handler returning `false` did not handle the key: the browser's default action proceeds. */
export type ShortcutMap = Partial<Record<string, (event: KeyboardEvent) => boolean | void>>;

/** True when the key press belongs to a field the user is typing in, not to the page. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  // Buttons-like inputs do not take text; their keys can still drive the page.
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type);
}

/**
 * Single-key shortcuts on the window (`j`, `k`, `?`, `1`...). Ignored while typing in a field,
 * with Ctrl/Meta/Alt held (browser shortcuts stay intact), or when `enabled` is false (a dialog is open).
 * The map may change every render; the listener always sees the latest one.
 */
export function useShortcuts(map: ShortcutMap, enabled = true): void {
  const mapRef = useRef(map);
  // Layout effects, not passive ones: they run as the page is committed, so no key pressed once
  // the page is on screen can meet a listener not yet attached, or the handlers of a past render.
  useLayoutEffect(() => {
    mapRef.current = map;
  });
  useLayoutEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target)) return;
      const handler = mapRef.current[event.key];
      if (!handler) return;
      if (handler(event) !== false) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}

/** True for elements whose own Enter/Space activation must not be hijacked. */
export function isInteractiveTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('a[href], button, summary, [role="button"]') !== null;
}
