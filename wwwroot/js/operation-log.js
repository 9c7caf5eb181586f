// Keeps an operation's log pane at its newest line while the reader is at the bottom (loaded by OperationLog.razor).
// Scrolled up to read, the pane stays where the reader put it until they scroll back down.
const NEAR_BOTTOM_PX = 24;

export function follow(pane) {
  if (!pane || pane.opsFollowing) return;
  pane.opsFollowing = true;
  let atBottom = true;
  const isAtBottom = () => pane.scrollHeight - pane.scrollTop - pane.clientHeight <= NEAR_BOTTOM_PX;
  pane.addEventListener("scroll", () => { atBottom = isAtBottom(); }, { passive: true });
  // New lines arrive as DOM changes from Blazor; follow them only if the reader was at the bottom before they came.
  new MutationObserver(() => { if (atBottom) pane.scrollTop = pane.scrollHeight; })
    .observe(pane, { childList: true, subtree: true, characterData: true });
  pane.scrollTop = pane.scrollHeight;
}
