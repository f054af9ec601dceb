// A what-if written in code: one actor adds effort on one lever toward one partner from a
// given year on, and the what-if is compared with its base over paired runs (the same
// random numbers on both sides, so the difference is the what-if's, not the noise's).
//
//   whatif SCENARIO ACTOR PARTNER LEVER FROM EFFORT
//   whatif scenarios/baseline.toml TUR KAZ trade 2010 0.5
#include <cstdio>
#include <cstdlib>
#include <string>

#include <smartpower/smartpower.hpp>

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: whatif SCENARIO ACTOR PARTNER LEVER FROM EFFORT\n");
    return 2;
  }
  try {
    const smartpower::Scenario base = smartpower::load_scenario(argv[1]);

    // The what-if: the base plus one move, written as typed fields (no TOML).
    smartpower::Scenario whatif = base;
    smartpower::Move push;
    push.label = std::string(argv[2]) + " adds " + argv[4] + " effort toward " + argv[3];
    push.actor = whatif.actor_index(argv[2]);
    push.target = whatif.actor_index(argv[3]);
    push.lever = whatif.lever_index(argv[4]);
    push.from = std::atof(argv[5]);
    push.effort = std::atof(argv[6]);  // effort per year, on top of what the actor chooses
    whatif.moves.push_back(push);      // an unknown id is -1 here, which compare refuses

    smartpower::CompareOptions options;
    options.runs = 40;
    options.seed = 1;
    options.focus = argv[3];
    const smartpower::Comparison c = smartpower::compare_scenarios(base, whatif, options);

    // The partner's dependence on the actor, at the end, what-if minus base.
    for (const smartpower::Change& change : c.changes) {
      if (change.metric != smartpower::Metric::dependence || change.actor != argv[3] || change.partner != argv[2])
        continue;
      std::printf("%s\n", push.label.c_str());
      std::printf(
          "dependence[%s,%s] at %g: %+.4f (base %.4f, what-if %.4f; q05 to q95 of %d paired runs: %+.4f to %+.4f)\n",
          argv[3], argv[2], c.time, change.diff.mean, change.base.mean, change.whatif.mean, c.runs, change.diff.q05,
          change.diff.q95);
    }
    return 0;
  } catch (const smartpower::InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
