#pragma once

#include <string>
#include <string_view>
#include <vector>

// The example data of the local deployment (`mcprov dev`, docs/development.md) that the tests share: its users, its
// two MC systems and the documents their CMSs start with.
namespace mcprov::devkit {

// The scopes of the deployment's access tokens.
inline const std::string user_scope = "3gpp:mc:config_management_service";
inline const std::string admin_scope = "mcprov:cms:admin";
inline const std::string service_scope = "mcprov:cms:service-server";
inline const std::string key_scope = "3gpp:mc:key_management_service";

struct example_user {
    std::string name;
    std::string organisation;
    std::vector<std::string> groups; // short names, e.g. patrol-north; the last is the organisation's all-group
};

// alice (police), bob (fire) and carol (ambulance), in this order; each system has all three.
const std::vector<example_user>& example_users();

// One MC system of the local deployment, by its identity: mcx-a is the primary system of the example visitors, mcx-b
// their partner; each is primary for its own users and partner for the other's.
struct mc_system {
    std::string id;    // mcx-a.example.org
    std::string label; // mcx-a: its folder

    std::string user_id(const example_user& u) const { return "sip:" + u.name + "@" + u.organisation + "." + id; }
    std::string admin_id() const { return "sip:admin@" + id; }
    std::string group_uri(std::string_view group) const { return "sip:" + std::string(group) + "@groups." + id; }
    std::string issuer() const { return "https://idms." + id; } // its identity management server
    std::string audience() const { return "cms." + id; }        // of its CMS's tokens
    std::string cms_name() const { return "cms." + id; }        // of its CMS's CSCM-x certificate
};

const mc_system& system_a(); // mcx-a.example.org
const mc_system& system_b(); // mcx-b.example.org

// A TS 24.484 Release 13 MCPTT user profile that validates against the schema; `extra` goes at the end of the root.
std::string mcptt_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                               std::string_view profile_name, bool preselected, unsigned priority,
                               const std::vector<std::string>& groups, std::string_view extra = {});
// An MCData user profile (valid against schemas/mcprov/mcdata-user-profile.xsd) with the given groups, data limits
// and authorisations; `extra` goes at the end of the root.
std::string mcdata_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                                std::string_view profile_name, const std::vector<std::string>& groups,
                                std::string_view extra = {});
// An MCVideo user profile (valid against the TS 24.484 schema) with the given groups, group-call priority and
// authorisations; `extra` goes at the end of the root.
std::string mcvideo_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                                 std::string_view profile_name, unsigned priority,
                                 const std::vector<std::string>& groups, std::string_view extra = {});

// A document of a user in an MC service user database.
struct user_document {
    std::string auid;
    std::string user;
    std::string name;
    std::string content;
};

// The example users' documents in the CMS of `sys`: two MCPTT profiles (duty, incident-command), one MCData and one
// MCVideo profile each, and migration profiles: for MCPTT, migration-profile-1.xml for `other` and a default one,
// migration-profile-2.xml; for MCData and MCVideo, migration-profile-1.xml for `other`.
std::vector<user_document> example_user_documents(const mc_system& sys, const mc_system& other);

struct named_file {
    std::string name;
    std::string content;
};

// The partner's migration templates for visitors from `primary`: police officers (<primary>-police.xml) get patrol
// groups and mutual aid, no group file transfer in MCData (files capped at 10 MiB) and no remotely started ambient
// viewing in MCVideo; the rest of the primary's users (<primary>.xml) a plainer set, their MCData data capped at 1 MiB.
std::vector<named_file> migration_templates(const mc_system& partner, const mc_system& primary);

} // namespace mcprov::devkit
