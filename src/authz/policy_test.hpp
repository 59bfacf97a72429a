// `gatehouse policy test FILE`: policies as code. The file names a gateway config (the
// policy under test is the one the gateway would run, compiled the same way) and lists
// cases of (identity, MCP request, expected decision, optionally the deciding rule):
//
//   config: ../quickstart-secure.yaml   # relative to this file
//   route: tools                        # optional: the first route with a policy
//   cases:
//     - name: admins may echo
//       identity: { subject: alice, roles: [admin] }
//       request: { method: tools/call, target: echo, tool: echo, args: { text: hi } }
//       expect: allow
//       rule: admins-echo
//
// Prints one line per case and a summary. Exit status: 0 all pass, 1 a case failed,
// 2 the file or the config is invalid.
#pragma once

#include <ostream>
#include <string>

namespace gatehouse::authz {

// `config_override`, when set, replaces the file's `config:` (relative to the working directory).
int run_policy_tests(const std::string& file, std::ostream& out, const std::string& config_override = "");

}  // namespace gatehouse::authz
