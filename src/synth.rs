//! A deterministic synthetic portfolio, for benchmarks and scale tests.
//!
//! [`portfolio`] writes `projects` projects with proportional people, teams, objectives,
//! metrics and waivers, and nested milestones, risks and changes, spread over about twenty
//! files of realistic Charter source (about 800 bytes per project). The same argument
//! always gives the same text. Most entities satisfy the std rules; a steady fraction
//! violates one, so checking does real work.

use std::fmt::Write;

/// Files of a synthetic workspace: `(file name, source)`.
pub fn portfolio(projects: usize) -> Vec<(String, String)> {
    let mut random = Random(0x5eed_cafe_f00d_u64);
    let people = (projects / 5).max(10);
    let teams = (projects / 20).max(3);
    let objectives = (projects / 25).max(3);
    let metrics = (projects / 10).max(5);
    let mut files = Vec::new();

    let mut text = String::with_capacity(people * 90);
    for index in 0..people {
        let executive = index.is_multiple_of(8);
        let _ = writeln!(
            text,
            "person person_{index} \"Person {index}\" {{\n  role: \"{}\"\n  executive: {executive}\n  team: team_{}\n}}\n",
            if executive { "Director" } else { "Manager" },
            index % teams
        );
    }
    files.push(("people.charter".to_string(), text));

    let mut text = String::with_capacity(teams * 120);
    for index in 0..teams {
        let kind = ["department", "squad", "committee", "vendor"].get(index % 4).copied().unwrap_or("squad");
        let _ = writeln!(
            text,
            "team team_{index} \"Team {index}\" {{\n  kind: {kind}\n  lead: person_{}\n  members: [person_{}, person_{}]\n}}\n",
            (index * 7) % people,
            (index * 3 + 1) % people,
            (index * 5 + 2) % people
        );
    }
    files.push(("teams.charter".to_string(), text));

    let mut text = String::with_capacity(objectives * 200);
    for index in 0..objectives {
        let parent = if index >= 3 && index.is_multiple_of(3) {
            format!("\n  parent: objective_{}", index % 3)
        } else {
            String::new()
        };
        let priority =
            ["low", "medium", "high", "critical"].get(random.below(4)).copied().unwrap_or("medium");
        let status = if index % 17 == 16 { "retired" } else { "active" };
        let allocation =
            if index < 3 { format!("\n  allocation: {}%", 100 / objectives.min(10)) } else { String::new() };
        let _ = writeln!(
            text,
            "objective objective_{index} \"Objective {index}\" {{\n  owner: person_{}{parent}\n  horizon: 2027-12-31\n  status: {status}\n  priority: {priority}{allocation}\n  measured_by: [metric_{}, metric_{}]\n}}\n",
            (index * 8) % people,
            index % metrics,
            (index + objectives) % metrics
        );
    }
    files.push(("objectives.charter".to_string(), text));

    let mut text = String::with_capacity(metrics * 260);
    for index in 0..metrics {
        let (direction, baseline, target, actual) = if index.is_multiple_of(2) {
            ("increase", 40 + random.below(10), 70 + random.below(10), 45 + random.below(30))
        } else {
            ("decrease", 70 + random.below(10), 40 + random.below(10), 45 + random.below(30))
        };
        let _ = writeln!(
            text,
            "metric metric_{index} \"Metric {index}\" {{\n  owner: person_{}\n  direction: {direction}\n  baseline: {baseline}% @ 2025-06-30\n  target: {target}% @ 2027-06-30\n  actual: {actual}% @ 2026-09-30\n  cadence: monthly\n}}\n",
            (index * 3) % people
        );
    }
    files.push(("metrics.charter".to_string(), text));

    let chunks = 16usize;
    let per_file = projects.div_ceil(chunks).max(1);
    for chunk in 0..chunks {
        let start = chunk * per_file;
        let end = ((chunk + 1) * per_file).min(projects);
        if start >= end {
            break;
        }
        let mut text = String::with_capacity((end - start) * 850);
        for index in start..end {
            project(&mut text, index, &mut random, people, teams, objectives, metrics);
        }
        files.push((format!("projects/projects_{chunk:02}.charter"), text));
    }

    let mut text = String::new();
    for index in 0..(projects / 200).max(1) {
        let target = (index * 97) % projects.max(1);
        let _ = writeln!(
            text,
            "waiver waiver_{index} {{\n  rule: project_links_kpi\n  applies_to: [project_{target}]\n  reason: \"Decommissioning: tracked by milestone\"\n  approved_by: person_0\n  expires: 2027-03-31\n}}\n"
        );
    }
    files.push(("waivers.charter".to_string(), text));
    files
}

fn project(
    text: &mut String,
    index: usize,
    random: &mut Random,
    people: usize,
    teams: usize,
    objectives: usize,
    metrics: usize,
) {
    let status = ["proposed", "approved", "active", "active", "active", "on_hold", "done", "cancelled"]
        .get(random.below(8))
        .copied()
        .unwrap_or("active");
    let methodology =
        ["agile", "hybrid", "waterfall", "kanban"].get(random.below(4)).copied().unwrap_or("agile");
    let month = 1 + random.below(12);
    let end_month = 1 + random.below(12);
    let budget = 50 + random.below(2000);
    let spent = budget * random.below(110) / 100;
    let benefit = budget * (1 + random.below(4));
    let sponsor = (random.below(people / 8 + 1) * 8) % people;
    let first_team = random.below(teams);
    let team_list = if index.is_multiple_of(5) {
        format!("team_{first_team}")
    } else {
        format!("team_{first_team}, team_{}", (first_team + 1) % teams)
    };
    let objective = random.below(objectives);
    let supports = if index.is_multiple_of(4) {
        format!("objective_{objective}, objective_{}", (objective + 1) % objectives)
    } else {
        format!("objective_{objective}")
    };
    let kpis =
        if index.is_multiple_of(23) { String::new() } else { format!("metric_{}", objective % metrics) };
    let depends = if index > 0 && index.is_multiple_of(6) {
        format!("\n  depends_on: [project_{}]", index - 1)
    } else {
        String::new()
    };
    let sponsor_line =
        if index.is_multiple_of(31) { String::new() } else { format!("\n  sponsor: person_{sponsor}") };
    let _ = write!(
        text,
        "/// Synthetic project {index}.\nproject project_{index} \"Project {index}\" {{{sponsor_line}\n  manager: person_{}\n  teams: [{team_list}]\n  status: {status}\n  methodology: {methodology}\n  start: 2026-{month:02}-01\n  end: 2027-{end_month:02}-28\n  budget: {budget}k USD\n  spent: {spent}k USD\n  expected_benefit: {benefit}k USD\n  supports: [{supports}]\n  kpis: [{kpis}]{depends}\n",
        random.below(people)
    );
    let _ = write!(
        text,
        "\n  milestone kickoff \"Kickoff\" {{ date: 2026-{month:02}-15, status: done }}\n  milestone review \"Steering review\" {{ date: 2027-{end_month:02}-01, reviews: [metric_{}] }}\n",
        objective % metrics
    );
    let impact = ["low", "medium", "high", "critical"].get(random.below(4)).copied().unwrap_or("low");
    let mitigation = if index.is_multiple_of(13) {
        String::new()
    } else {
        ", mitigation: \"second supplier on standby\"".to_string()
    };
    let _ = writeln!(
        text,
        "  risk vendor \"Vendor slips\" {{ impact: {impact}, likelihood: medium{mitigation} }}"
    );
    if index.is_multiple_of(3) {
        let _ = writeln!(
            text,
            "  change scope \"Scope cut\" {{ date: 2026-{month:02}-20, rationale: \"focus on the mobile flow first\" }}"
        );
    }
    text.push_str("}\n\n");
}

/// xorshift64*: small, fast and deterministic.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next() % bound as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_sized() {
        let first = portfolio(1000);
        assert_eq!(first, portfolio(1000));
        let bytes: usize = first.iter().map(|(_, text)| text.len()).sum();
        assert!((600_000..1_300_000).contains(&bytes), "{bytes} bytes");
        assert!((18..=22).contains(&first.len()), "{} files", first.len());
    }
}
