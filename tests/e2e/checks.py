"""Checks run inside the page: axe-core, visible focus, announced errors, phone width."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import AXE

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

# -- axe ----------------------------------------------------------------------------------
_axe_source: str | None = None


def axe_violations(page: Any) -> list[str]:
    """Run axe-core in the page (injected through the debugger, so the page's CSP stays on)."""
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source + "\n;undefined")
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} "
                f"at {' '.join(map(str, node['target']))}: {summary}"
            )
    return lines


# -- focus ------------------------------------------------------------------------------------
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body', visible: false};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
          type: el.type || '', text: (el.innerText || el.value || '').slice(0, 40),
          visible: (outline || shadow) && r.width > 0 && r.height > 0};
}"""


# Every error a form shows is announced: the summary is an alert that has focus (when
# JavaScript runs), it links to controls that exist, and each control marked invalid is
# described by the text of its error.
ERRORS_ANNOUNCED = """js => {
  const problems = [];
  const summary = document.getElementById('error-summary');
  const invalid = Array.from(document.querySelectorAll('[aria-invalid=true]'));
  if (!summary) {
    if (invalid.length) problems.push('controls marked invalid but no error summary');
    return problems;
  }
  if (summary.getAttribute('role') !== 'alert') problems.push('error summary is not role=alert');
  if (js && document.activeElement !== summary)
    problems.push('focus is on ' + (document.activeElement || {}).outerHTML + ', not the summary');
  for (const a of summary.querySelectorAll('a[href^="#"]')) {
    if (!document.getElementById(a.hash.slice(1))) problems.push('summary links to ' + a.hash);
  }
  for (const el of invalid) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const texts = ids.map(id => document.getElementById(id)).filter(Boolean)
      .map(d => d.textContent.trim()).filter(Boolean);
    if (!ids.some(id => /error/.test(id)) || !texts.length)
      problems.push('#' + el.id + ' is invalid but not described by its error');
  }
  return problems;
}"""

# A data table may scroll sideways inside its own labelled, focusable region (.table-scroll),
# which WCAG's reflow rule allows for tables; nothing else may make the page wider.
NO_SIDEWAYS_SCROLL = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length
      && !el.parentElement.closest('.table-scroll'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className ? '.' + String(el.className).split(' ').join('.') : ''));
}"""

# Fields a thumb has to hit: every visible text, date, search field, list and text area is at
# least 44 px tall, as the style sheets make them (a field they miss shows up tiny). Not yet
# the file picker: the browser draws its button (21 px on the report form).
SMALL_FIELDS = """() => Array.from(document.querySelectorAll('input:not([type=checkbox])'
    + ':not([type=radio]):not([type=hidden]):not([type=file]), select, textarea'))
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().height < 44)
  .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + ' ' + Math.round(el.getBoundingClientRect().height) + 'px')"""
