"""PDF rendering of breach reports: the same ``BreachReport`` the HTML and Markdown templates show."""

from __future__ import annotations

from secops.report.breach import BreachReport
from secops.report.pdf import Document

RED, AMBER, GREEN, BLUE, GREY = (176, 0, 32), (138, 90, 0), (27, 110, 32), (0, 90, 158), (110, 110, 110)
STATUS_COLOUR = {
    "open": BLUE,
    "overdue": RED,
    "met late": RED,
    "met": GREEN,
    "undetermined": AMBER,
    "waiting for trigger": AMBER,
    "no fixed limit": AMBER,
    "not applicable": GREY,
}
DISCLAIMER = (
    "[V] checked against the primary text · [S] secondary source · [M] unverified, verify before relying on it. "
    "Not legal advice."
)


def breach(r: BreachReport) -> bytes:
    regime = r.regime
    doc = Document(f"{r.incident_id} — {regime['name']}", f"Source: {regime['source']}\n{DISCLAIMER}")
    doc.heading(f"{regime['name']}: incident {r.incident_id}")
    effective = f" · effective {regime['effective_from']}" if regime.get("effective_from") else ""
    doc.text(regime["citation"], size=8.5, colour=GREY)
    doc.text(
        f"Version {regime['version']}{effective} · status: {regime['status']} · confidence [{regime['confidence']}]",
        size=8.5,
        colour=GREY,
    )
    doc.text(f"Generated {r.generated_local} · times shown in {r.timezone}", size=8.5, colour=GREY)
    doc.text(f"Incident record sha256 {r.source['incident_sha256']}", size=7.5, colour=GREY)
    doc.heading(f"{r.incident_title} — state {r.incident_state}, severity {r.incident_severity}", 3)
    for item in r.incident:
        if not item.missing:
            doc.row(item.label, "; ".join(item.text))

    doc.heading("Deadlines", 2)
    for c in r.deadlines:
        colour = STATUS_COLOUR.get(c.status, (0, 0, 0))
        doc.text(f"{c.title} → {c.recipient}", size=9, bold=True)
        doc.row("Due", c.due_local or "—")
        doc.row("Status", c.summary, colour)
        if c.trigger_local:
            counted = f"{c.counted_from}: {c.trigger_local} (offset {c.offset})"
            if c.provisional:
                counted += f" — PROVISIONAL: {c.trigger} is not recorded, the clock may already be running"
            doc.row("Counted from", counted, AMBER if c.provisional else (0, 0, 0))
        if c.met_at:
            doc.row("Sent", c.met_at + (f", reference {c.met_reference}" if c.met_reference else ""))
        doc.row("Rule", f"{c.stage} · {c.cite} [{c.confidence}]" + (f" — {c.note}" if c.note else ""))

    doc.heading(f"Still missing ({len(r.checklist)})", 2)
    if not r.checklist:
        doc.text("Nothing required is missing.")
    for m in r.checklist:
        doc.bullet(f"☐ {m.label} — {m.where} ({m.path})", RED)
        if m.hint:
            doc.text(f"    {m.hint}", size=7.5, colour=GREY)

    for section in r.sections:
        doc.heading(section.title + (f" ({section.cite})" if section.cite else ""), 2)
        for item in section.items:
            label = f"{item.label} [{item.confidence}]"
            if item.missing:
                shown = "not recorded" + ("" if item.required else " (optional)")
                doc.row(label, shown, RED if item.required else GREY)
            else:
                doc.row(label, "\n".join(item.text) + (" (estimate)" if item.estimated else ""))

    if r.notifications:
        doc.heading("Notifications made", 2)
        for n in r.notifications:
            ref = f", reference {n['reference_no']}" if n.get("reference_no") else ""
            sha = f", sha256 {n['payload_sha256']}" if n.get("payload_sha256") else ""
            doc.bullet(f"{n['sent_at']} {n['stage']} → {n['recipient']}{ref}{sha}")

    doc.heading("Confidence notes", 2)
    for note in r.notes:
        doc.bullet(note)
    return doc.output()
