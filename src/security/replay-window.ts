/**
 * One source for how long a replay must be caught. A tacstream-scheme signature is accepted while its
 * `t=` is within the tolerance either way, so it can be presented for 2 × tolerance; the journals'
 * message-id de-duplication must last at least that long, or a replay late in the window is stored twice.
 * GitHub deliveries carry no timestamp: an identical one (same body, same signature) is refused only
 * within this window, and its items (same content keys, so same ids) are de-duplicated just as long.
 */
export const WEBHOOK_TOLERANCE_SEC = 300;
export const REPLAY_WINDOW_MS = 2 * WEBHOOK_TOLERANCE_SEC * 1000;
