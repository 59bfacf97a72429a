#include "gateway/policy_chain.hpp"

namespace gatehouse::gateway {

bool PolicyChain::empty() const {
  for (const auto& s : stages_)
    if (!s.empty()) return false;
  return true;
}

boost::asio::awaitable<Decision> PolicyChain::run(PolicyRequest& request) const {
  Decision out;
  for (const auto& stage : stages_) {
    for (const auto& policy : stage) {
      TimedStep step{std::string(policy->name()), {}, unix_now_ns()};
      Decision d = co_await policy->apply(request);
      step.end_ns = unix_now_ns();
      step.ok = d.kind == Decision::Kind::proceed;
      request.stage_times.push_back(std::move(step));
      for (auto& h : d.headers) out.headers.push_back(std::move(h));
      if (d.kind == Decision::Kind::respond) {
        if (request.decision.empty() || request.decision == "allow") request.decision = "deny";
        if (request.decision_rule.empty()) request.decision_rule = std::string(policy->name());
        d.headers = std::move(out.headers);
        co_return d;
      }
    }
  }
  co_return out;
}

boost::asio::awaitable<void> PolicyChain::filter_list(const PolicyRequest& request, ListKind kind,
                                                      std::vector<ListedItem>& items) const {
  for (const auto& stage : stages_)
    for (const auto& policy : stage) co_await policy->filter_list(request, kind, items);
}

}  // namespace gatehouse::gateway
