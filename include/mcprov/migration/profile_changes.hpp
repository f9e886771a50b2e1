#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mcprov/support/result.hpp"

namespace mcprov::migration {

// What a partner's template changed in a profile (the primary's migration profile `before`, the profile the partner
// serves `after`), as short human-readable lines for an operator or the user, in this order:
//   "group removed: sip:all-police@groups.mcx-a.example.org"
//   "group added: sip:mutual-aid@groups.mcx-b.example.org (Mutual aid)"
//   "priority: 9 -> 5"   or, when a profile has several Priority elements,
//   "priority (Common[2]/MCPTT-group-call/Priority): 9 -> 5"; "(none)" stands for a missing one
//   "authorisation withdrawn: allow-regroup", "authorisation granted: ...", "authorisation added: allow-x = false",
//   "authorisation removed: allow-x (was true)"
//   "limit max-data-size-sds-bytes: 8192 -> 4096" (with the path when the profile has several of that name)
//   "operating area set: 2 areas", "operating area changed: 1 area", "operating area removed"
// The profiles may be of MCPTT, MCData or MCVideo. Groups are the URIs of the entries of MCPTTGroupInfo,
// ImplicitAffiliations, MCPTTGroupInitiation and MCVideoGroupInitiation (emergency and imminent-peril calls), and of
// every MCData-Group-ID and MCVideo-Group-ID, in document order (removed ones as `before` has them, added ones as
// `after` has them); priorities, allow-* elements and limits (leaves named max-* or Max*) are matched by element
// path. Elements in the urn:mcprov:migration:1 namespace
// (served-by, migration-for) and XML-DSig elements (the partner's ds:Signature) are ignored: they are not the
// template's doing. Identical profiles give an empty list.
// Errors: the parse errors of either document (xml::parse: not_well_formed, too_large), the message prefixed with
// "before: " or "after: ".
support::result<std::vector<std::string>> describe_profile_changes(std::string_view before, std::string_view after);

} // namespace mcprov::migration
