// View and StateVersion (app/view.h).
#include "app/view.h"

#include <algorithm>

namespace uplift::app {

const milestones::AccountState* StateVersion::find(std::string_view account) const {
  auto it = std::lower_bound(states.begin(), states.end(), account,
                             [](const auto& s, std::string_view id) { return s->account < id; });
  return it != states.end() && (*it)->account == account ? it->get() : nullptr;
}

StateLookup View::state_lookup() const {
  return [version = version_.get()](std::string_view account) { return version->find(account); };
}

recommend::Context View::recommend_context() const {
  const Config& c = config();
  return recommend::Context{data_, &c.segments, &c.content, state_lookup(), as_of()};
}

recommend::ProgramFor View::program_for() const {
  return [config = version_->config](std::string_view milestone) {
    for (const auto& p : config->programs)
      if (p.target_milestone == milestone) return p.id;
    return std::string();
  };
}

}  // namespace uplift::app
