# The 8 std rules of Charter that the peer measures, in Rego, over the JSON that
# `charter export` prints (input.entities). Each rule mirrors the `for`, `where` and
# `require` of its std definition in src/stdlib/governance.charter or delivery.charter;
# bench/README.md lists where the two languages differ.
#
# `flagged` is the set of [rule, entity id] pairs Charter would report: the violations
# less those suppressed by an unexpired waiver (LANGUAGE.md section 5). `data.today` is
# the evaluation date, as `[check] today` in charter.toml.
package charter

import rego.v1

# The entities of each kind, gathered once: every rule then walks only its own kind.
projects := [e | some e in input.entities; e.kind == "project"]

objectives := [e | some e in input.entities; e.kind == "objective"]

risks := [e | some e in input.entities; e.kind == "risk"]

waivers := [e | some e in input.entities; e.kind == "waiver"]

# A project is live unless it is done or cancelled. `charter export` writes defaults, so a
# project without `status:` has "proposed" here.
live(p) if not p.fields.status in {"done", "cancelled"}

given(fields, name) if {
	fields[name] != null
}

no_items(fields, name) if not given(fields, name)

no_items(fields, name) if {
	is_array(fields[name])
	count(fields[name]) == 0
}

# project_has_sponsor: for project p where p.status not in [done, cancelled]
# require p.sponsor != none
violations contains ["project_has_sponsor", p.id] if {
	some p in projects
	live(p)
	not given(p.fields, "sponsor")
}

# project_links_kpi: for project p where p.status not in [done, cancelled]
# require not p.kpis.is_empty()
violations contains ["project_links_kpi", p.id] if {
	some p in projects
	live(p)
	no_items(p.fields, "kpis")
}

# project_supports_objective: for project p where p.status != cancelled
# require not p.supports.is_empty()
violations contains ["project_supports_objective", p.id] if {
	some p in projects
	p.fields.status != "cancelled"
	no_items(p.fields, "supports")
}

retired contains o.id if {
	some o in objectives
	o.fields.status == "retired"
}

# supports_live_objective: for project p where p.status not in [done, cancelled]
# require p.supports.filter(o, o.status == retired).is_empty()
violations contains ["supports_live_objective", p.id] if {
	some p in projects
	live(p)
	some o in p.fields.supports
	retired[o]
}

# project_dates_ordered: for project p where p.start != none and p.end != none
# require p.start <= p.end (dates are YYYY-MM-DD, so text order is date order)
violations contains ["project_dates_ordered", p.id] if {
	some p in projects
	is_string(p.fields.start)
	is_string(p.fields.end)
	p.fields.start > p.fields.end
}

# project_over_budget: for project p where p.budget != none and p.spent != none
# require p.spent <= p.budget. Amounts of different currencies are a rule error in
# Charter, not a violation, so they are skipped here.
violations contains ["project_over_budget", p.id] if {
	some p in projects
	budget := p.fields.budget
	spent := p.fields.spent
	is_object(budget)
	is_object(spent)
	budget.currency == spent.currency
	spent.amount > budget.amount
}

# high_risk_mitigated: for risk r where r.impact >= high
# require r.mitigation != none and r.mitigation.matches("(?s).*\\S.*")
violations contains ["high_risk_mitigated", r.id] if {
	some r in risks
	r.fields.impact in {"high", "critical"}
	not mitigated(r)
}

mitigated(r) if {
	is_string(r.fields.mitigation)
	trim_space(r.fields.mitigation) != ""
}

measures[o.id] := object.get(o.fields, "measured_by", []) if {
	some o in objectives
}

# kpi_traces_to_objective: for project p
# require p.kpis.all(m, m in p.supports.measured_by)
violations contains ["kpi_traces_to_objective", p.id] if {
	some p in projects
	some m in object.get(p.fields, "kpis", [])
	not traced(p, m)
}

traced(p, m) if {
	some o in p.fields.supports
	m in measures[o]
}

# A waiver suppresses its rule for the entities it lists through `expires`, inclusive.
waived contains [w.fields.rule, e] if {
	some w in waivers
	w.fields.expires >= data.today
	some e in w.fields.applies_to
}

flagged contains v if {
	some v in violations
	not waived[v]
}
