// Metric selectors, shared by claims, sweeps and sensitivity.
#include "smartpower/core/selector.hpp"

#include <string>

#include "smartpower/core/error.hpp"
#include "smartpower/core/messages.hpp"

namespace smartpower {

std::vector<std::size_t> resolve_selector(std::string_view selector, const Scenario& sc, const MetricLayout& L) {
  std::string text;
  for (char ch : selector) {
    if (ch != ' ' && ch != '\t') text += ch;
  }
  const auto open = text.find('[');
  if (open == std::string::npos || text.empty() || text.back() != ']') {
    throw InputError("metric selector '" + text + "' must look like metric[ACTOR], metric[ACTOR,PARTNER] or metric[ACTOR,PARTNER,LEVER]");
  }
  const std::string name = text.substr(0, open);
  const int m = metric_by_name(name);
  if (m < 0) {
    std::vector<std::string> names;
    for (int i = 0; i < kMetricCount; ++i) names.push_back(metric_info(static_cast<Metric>(i)).name);
    std::string msg = "metric selector '" + text + "': unknown metric '" + name + "'";
    const auto near = closest_match(name, names);
    msg += near.empty() ? "" : "; did you mean '" + near + "'?";
    throw InputError(msg);
  }
  std::vector<std::string> args;
  std::string cur;
  for (char ch : text.substr(open + 1, text.size() - open - 2)) {
    if (ch == ',') {
      args.push_back(cur);
      cur.clear();
    } else if (ch != ' ') {
      cur += ch;
    }
  }
  args.push_back(cur);
  const Metric metric = static_cast<Metric>(m);
  const Shape shape = metric_info(metric).shape;
  const std::size_t want = shape == Shape::actor ? 1 : shape == Shape::dyad ? 2 : 3;
  if (args.size() != want) {
    throw InputError("metric selector '" + text + "': '" + name + "' takes " + std::to_string(want) +
                     (want == 1 ? " index [ACTOR]" : want == 2 ? " indices [ACTOR,PARTNER]" : " indices [ACTOR,PARTNER,LEVER]"));
  }
  std::vector<std::string> actor_ids, lever_ids;
  for (const auto& a : sc.actors) actor_ids.push_back(a.id);
  for (const auto& l : sc.levers) lever_ids.push_back(l.id);
  auto pick = [&](const std::string& id, const std::vector<std::string>& ids, const char* what, bool star) {
    std::vector<int> out;
    if (star && id == "*") {
      for (std::size_t i = 0; i < ids.size(); ++i) out.push_back(static_cast<int>(i));
      return out;
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] == id) return std::vector<int>{static_cast<int>(i)};
    }
    std::string msg = "metric selector '" + text + "': no " + what + " '" + id + "' in this scenario";
    const auto near = closest_match(id, ids);
    msg += near.empty() ? "" : "; did you mean '" + near + "'?";
    throw InputError(msg);
  };
  const auto actors = pick(args[0], actor_ids, "actor", false);
  const auto partners = want >= 2 ? pick(args[1], actor_ids, "actor", true) : std::vector<int>{0};
  const auto levers = want == 3 ? pick(args[2], lever_ids, "lever", true) : std::vector<int>{0};
  std::vector<std::size_t> idx;
  for (int i : actors) {
    for (int j : partners) {
      if (want >= 2 && i == j) continue;
      for (int k : levers) idx.push_back(L.index(metric, i, j, k));
    }
  }
  if (idx.empty()) throw InputError("metric selector '" + text + "' selects nothing: an actor is not its own partner");
  return idx;
}


}  // namespace smartpower
