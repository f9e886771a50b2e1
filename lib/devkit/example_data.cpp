#include "mcprov/devkit/example_data.hpp"

#include <sstream>

namespace mcprov::devkit {

const std::vector<example_user>& example_users() {
    static const std::vector<example_user> users{
        {"alice", "police", {"patrol-north", "patrol-south", "police-internal", "all-police"}},
        {"bob", "fire", {"station-1", "all-fire"}},
        {"carol", "ambulance", {"dispatch", "all-ambulance"}},
    };
    return users;
}

const mc_system& system_a() {
    static const mc_system a{"mcx-a.example.org", "mcx-a"};
    return a;
}

const mc_system& system_b() {
    static const mc_system b{"mcx-b.example.org", "mcx-b"};
    return b;
}

std::string mcptt_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                               std::string_view profile_name, bool preselected, unsigned priority,
                               const std::vector<std::string>& groups, std::string_view extra) {
    const auto id = sys.user_id(u);
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<mcptt-user-profile xmlns=\"urn:3gpp:mcptt:user-profile:1.0\" XUI-URI=\"" << id << "\" user-profile-index=\""
      << index << "\">\n"
      << "  <Name>" << u.name << "</Name>\n  <Status>true</Status>\n  <ProfileName>" << profile_name
      << "</ProfileName>\n"
      << (preselected ? "  <Pre-selected-indication/>\n" : "") << "  <Common index=\"common\">\n"
      << "    <UserAlias><alias-entry index=\"alias-1\">" << u.name << "</alias-entry></UserAlias>\n"
      << "    <MCPTTUserID><uri-entry>" << id << "</uri-entry><display-name>" << u.name
      << "</display-name></MCPTTUserID>\n"
      << "    <MCPTT-group-call><MaxSimultaneousCallsN6>3</MaxSimultaneousCallsN6><Priority>" << priority
      << "</Priority></MCPTT-group-call>\n"
      << "    <MissionCriticalOrganization>" << u.organisation << "</MissionCriticalOrganization>\n"
      << "    <anyExt>\n      <allow-private-call>true</allow-private-call>\n"
      << "      <allow-presence-status>true</allow-presence-status>\n"
      << "      <allow-override-of-transmission>" << (priority > 5 ? "true" : "false")
      << "</allow-override-of-transmission>\n"
      << "      <allow-regroup>" << (priority > 5 ? "true" : "false") << "</allow-regroup>\n    </anyExt>\n"
      << "  </Common>\n  <OnNetwork index=\"on-network\">\n    <MCPTTGroupInfo>\n";
    unsigned n = 0;
    for (const auto& g : groups) {
        x << "      <entry index=\"group-" << ++n << "\"><uri-entry>" << sys.group_uri(g)
          << "</uri-entry><display-name>" << g << "</display-name></entry>\n";
    }
    x << "    </MCPTTGroupInfo>\n    <MaxAffiliationsN2>8</MaxAffiliationsN2>\n  </OnNetwork>\n"
      << extra << "</mcptt-user-profile>\n";
    return x.str();
}

namespace {

// An MCData or MCVideo user profile: the two share their layout (one group-info element per group, the
// authorisations in a common-policy ruleset). `service` is "mcdata" or "mcvideo", `label` "MCData" or "MCVideo";
// `in_common` and `on_network` are extra lines for Common and OnNetwork.
std::string data_or_video_profile(std::string_view service, std::string_view label, const mc_system& sys,
                                  const example_user& u, unsigned index, std::string_view profile_name,
                                  std::string_view in_common, const std::vector<std::string>& groups,
                                  std::string_view on_network, const std::vector<std::string_view>& allowed,
                                  std::string_view extra) {
    const auto id = sys.user_id(u);
    std::ostringstream x;
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<" << service << "-user-profile xmlns=\"urn:3gpp:ns:" << service
      << ":user-profile:1.0\" xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\" XUI-URI=\"" << id
      << "\" user-profile-index=\"" << index << "\">\n"
      << "  <Name>" << u.name << "</Name>\n  <Status>true</Status>\n  <ProfileName>" << profile_name
      << "</ProfileName>\n  <Common index=\"common\">\n"
      << "    <UserAlias><alias-entry index=\"alias-1\">" << u.name << "</alias-entry></UserAlias>\n"
      << "    <" << label << "UserID><uri-entry>" << id << "</uri-entry></" << label << "UserID>\n"
      << in_common << "    <MissionCriticalOrganization>" << u.organisation << "</MissionCriticalOrganization>\n"
      << "  </Common>\n  <OnNetwork index=\"on-network\">\n";
    for (const auto& g : groups) {
        x << "    <" << label << "GroupInfo><" << label << "-Group-ID><uri-entry>" << sys.group_uri(g)
          << "</uri-entry><display-name>" << g << "</display-name></" << label << "-Group-ID></" << label
          << "GroupInfo>\n";
    }
    x << on_network << "  </OnNetwork>\n  <cp:ruleset>\n    <cp:rule id=\"authorisations\">\n      <cp:actions>\n";
    for (auto a : allowed) {
        x << "        <" << a << ">true</" << a << ">\n";
    }
    x << "      </cp:actions>\n    </cp:rule>\n  </cp:ruleset>\n" << extra << "</" << service << "-user-profile>\n";
    return x.str();
}

} // namespace

std::string mcdata_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                                std::string_view profile_name, const std::vector<std::string>& groups,
                                std::string_view extra) {
    return data_or_video_profile("mcdata", "MCData", sys, u, index, profile_name, "", groups,
                                 "    <max-data-size-sds-bytes>8192</max-data-size-sds-bytes>\n"
                                 "    <max-data-size-fd-bytes>52428800</max-data-size-fd-bytes>\n",
                                 {"allow-one-to-one-sds", "allow-group-sds", "allow-one-to-one-fd", "allow-group-fd",
                                  "allow-emergency-alert"},
                                 extra);
}

std::string mcvideo_user_profile(const mc_system& sys, const example_user& u, unsigned index,
                                 std::string_view profile_name, unsigned priority,
                                 const std::vector<std::string>& groups, std::string_view extra) {
    const auto group_call = "    <MCVideo-group-call><MaxSimultaneousCallsN6>2</MaxSimultaneousCallsN6><Priority>" +
                            std::to_string(priority) + "</Priority></MCVideo-group-call>\n";
    return data_or_video_profile("mcvideo", "MCVideo", sys, u, index, profile_name, group_call, groups,
                                 "    <MaxSimultaneousVideoStreams>4</MaxSimultaneousVideoStreams>\n",
                                 {"allow-private-call", "allow-revoke-transmit",
                                  "allow-request-remote-initiated-ambient-viewing", "allow-emergency-group-call"},
                                 extra);
}

std::vector<user_document> example_user_documents(const mc_system& sys, const mc_system& other) {
    const std::string mcptt = "org.3gpp.mcptt.user-profile";
    const std::string migration = "org.mcprov.migration-profile";
    const std::string for_other = "  <migration-for xmlns=\"urn:mcprov:migration:1\" partners=\"" + other.id + "\"/>\n";
    const std::string by_default = "  <migration-for xmlns=\"urn:mcprov:migration:1\" default=\"true\"/>\n";
    std::vector<user_document> out;
    for (const auto& u : example_users()) {
        const auto id = sys.user_id(u);
        out.push_back(
            {mcptt, id, "mcptt-user-profile-1.xml", mcptt_user_profile(sys, u, 1, "duty", true, 5, u.groups)});
        out.push_back({mcptt, id, "mcptt-user-profile-2.xml",
                       mcptt_user_profile(sys, u, 2, "incident-command", false, 9, u.groups)});
        out.push_back({"org.3gpp.mcdata.user-profile", id, "mcdata-user-profile-1.xml",
                       mcdata_user_profile(sys, u, 1, "duty", u.groups)});
        out.push_back({"org.3gpp.mcvideo.user-profile", id, "mcvideo-user-profile-1.xml",
                       mcvideo_user_profile(sys, u, 1, "duty", 5, u.groups)});
        out.push_back({"org.mcprov.mcdata-migration-profile", id, "migration-profile-1.xml",
                       mcdata_user_profile(sys, u, 1, "visiting-" + other.label, u.groups, for_other)});
        out.push_back({"org.mcprov.mcvideo-migration-profile", id, "migration-profile-1.xml",
                       mcvideo_user_profile(sys, u, 1, "visiting-" + other.label, 7, u.groups, for_other)});
        out.push_back({migration, id, "migration-profile-1.xml",
                       mcptt_user_profile(sys, u, 1, "visiting-" + other.label, true, 7, u.groups, for_other)});
        out.push_back({migration, id, "migration-profile-2.xml",
                       mcptt_user_profile(sys, u, 2, "visiting", true, 4, {u.groups.back()}, by_default)});
    }
    return out;
}

std::vector<named_file> migration_templates(const mc_system& partner, const mc_system& primary) {
    const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<migration-template xmlns=\"urn:mcprov:migration-template:1\" name=\"";
    return {
        {primary.label + "-police.xml",
         head + primary.label + "-police\">\n  <applies-to primary-system=\"" + primary.id +
             "\" organisation=\"police\"/>\n  <groups>\n    <allow pattern=\"sip:patrol-*@groups." + primary.id +
             "\"/>\n    <allow pattern=\"sip:all-*@groups." + primary.id +
             "\"/>\n    <deny pattern=\"sip:*-internal@*\"/>\n    <add uri=\"" + partner.group_uri("mutual-aid") +
             "\" display-name=\"Mutual aid\" implicit-affiliation=\"true\"/>\n  </groups>\n"
             "  <priority mode=\"cap\" value=\"3\"/>\n  <authorisations>\n    <withdraw name=\"allow-regroup\"/>\n"
             "    <withdraw name=\"allow-override-*\"/>\n    <withdraw name=\"allow-presence-status\"/>\n"
             "  </authorisations>\n  <operating-area>\n"
             "    <circle latitude=\"51.5072\" longitude=\"-0.1276\" radius-metres=\"25000\"/>\n"
             "  </operating-area>\n"
             "  <mcdata>\n    <authorisations><withdraw name=\"allow-group-fd\"/></authorisations>\n"
             "    <limits><cap name=\"max-data-size-fd-bytes\" value=\"10485760\"/></limits>\n  </mcdata>\n"
             "  <mcvideo>\n    <authorisations><withdraw name=\"allow-request-remote-initiated-ambient-viewing\"/>"
             "</authorisations>\n  </mcvideo>\n</migration-template>\n"},
        {primary.label + ".xml", head + primary.label + "-visitors\">\n  <applies-to primary-system=\"" + primary.id +
                                     "\"/>\n  <groups>\n    <add uri=\"" + partner.group_uri("mutual-aid") +
                                     "\" display-name=\"Mutual aid\"/>\n  </groups>\n"
                                     "  <priority mode=\"replace\" value=\"2\"/>\n  <authorisations>\n"
                                     "    <withdraw name=\"allow-regroup\"/>\n  </authorisations>\n"
                                     "  <mcdata><limits><cap name=\"max-data-size-*-bytes\" value=\"1048576\"/>"
                                     "</limits></mcdata>\n</migration-template>\n"},
    };
}

} // namespace mcprov::devkit
