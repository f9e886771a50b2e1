#include <gtest/gtest.h>

#include <mcprov/aka/authentication.hpp>
#include <mcprov/support/encoding.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// MILENAGE against the published test sets of TS 35.207 and TS 35.208 (tests/data/milenage/test_sets.txt), and
// against an independent implementation, Debian's osmo-auc-gen (libosmocore), on random inputs.
namespace mcprov::aka {
namespace {

using support::hex_decode;
using support::hex_encode;

std::vector<std::map<std::string, std::string>> test_sets() {
    std::vector<std::map<std::string, std::string>> sets;
    std::ifstream in(MCPROV_TEST_DATA "/milenage/test_sets.txt");
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#')
            continue;
        std::map<std::string, std::string> fields;
        std::istringstream words(line);
        for (std::string word; words >> word;) {
            const auto eq = word.find('=');
            fields[word.substr(0, eq)] = word.substr(eq + 1);
        }
        sets.push_back(std::move(fields));
    }
    return sets;
}

TEST(milenage_vectors, when_published_test_sets_then_every_function_matches) {
    const auto sets = test_sets();
    ASSERT_GE(sets.size(), 1u);
    for (const auto& s : sets) {
        SCOPED_TRACE("TS " + s.at("source") + " test set " + s.at("set"));
        const std::string k = *hex_decode(s.at("K"));
        const std::string rand = *hex_decode(s.at("RAND"));
        const std::string sqn = *hex_decode(s.at("SQN"));
        const std::string amf = *hex_decode(s.at("AMF"));
        const auto opc = milenage::opc_from_op(k, *hex_decode(s.at("OP")));
        ASSERT_TRUE(opc.has_value());
        EXPECT_EQ(hex_encode(*opc), s.at("OPc"));
        const auto f = milenage::create(k, *opc);
        ASSERT_TRUE(f.has_value());
        EXPECT_EQ(hex_encode(f->f1(rand, sqn, amf)), s.at("f1"));
        EXPECT_EQ(hex_encode(f->f1_star(rand, sqn, amf)), s.at("f1star"));
        const auto out = f->f2345(rand);
        EXPECT_EQ(hex_encode(out.res), s.at("f2"));
        EXPECT_EQ(hex_encode(out.ck), s.at("f3"));
        EXPECT_EQ(hex_encode(out.ik), s.at("f4"));
        EXPECT_EQ(hex_encode(out.ak), s.at("f5"));
        EXPECT_EQ(hex_encode(f->f5_star(rand)), s.at("f5star"));
    }
}

std::string run(const std::string& command) {
    std::string output;
    FILE* p = ::popen(command.c_str(), "r");
    if (!p)
        return output;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), p))
        output += buffer.data();
    ::pclose(p);
    return output;
}

std::string field(const std::string& output, const std::string& name) {
    const auto at = output.find(name + ":\t");
    if (at == std::string::npos)
        return {};
    const auto start = at + name.size() + 2;
    return output.substr(start, output.find('\n', start) - start);
}

std::string random_octets(std::mt19937_64& rng, std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out)
        c = static_cast<char>(rng() & 0xff);
    return out;
}

TEST(milenage_vectors, when_random_inputs_then_vectors_agree_with_osmo_auc_gen) {
    std::mt19937_64 rng(std::random_device{}());
    for (int i = 0; i < 20; ++i) {
        const std::string k = random_octets(rng, 16), opc = random_octets(rng, 16), rand = random_octets(rng, 16);
        const std::string amf = random_octets(rng, 2);
        const std::uint64_t sqn = rng() & ((std::uint64_t{1} << 48) - 1);
        SCOPED_TRACE("K " + hex_encode(k) + " OPc " + hex_encode(opc) + " RAND " + hex_encode(rand) + " SQN " +
                     std::to_string(sqn) + " AMF " + hex_encode(amf));
        const std::string output = run("osmo-auc-gen -3 -a milenage -k " + hex_encode(k) + " -o " + hex_encode(opc) +
                                       " -r " + hex_encode(rand) + " -s " + std::to_string(sqn) + " -f " +
                                       hex_encode(amf) + " 2>&1");
        ASSERT_FALSE(field(output, "AUTN").empty()) << output;

        const auto av = make_authentication_vector(*milenage::create(k, opc), rand, sqn, amf);
        EXPECT_EQ(hex_encode(av.autn), field(output, "AUTN"));
        EXPECT_EQ(hex_encode(av.xres), field(output, "RES"));
        EXPECT_EQ(hex_encode(av.ck), field(output, "CK"));
        EXPECT_EQ(hex_encode(av.ik), field(output, "IK"));
    }
}

TEST(milenage_vectors, when_usim_answers_synchronisation_failure_then_osmo_auc_gen_recovers_the_same_sqn_ms) {
    std::mt19937_64 rng(std::random_device{}());
    for (int i = 0; i < 10; ++i) {
        const std::string k = random_octets(rng, 16), opc = random_octets(rng, 16), rand = random_octets(rng, 16);
        const auto f = *milenage::create(k, opc);
        sequence_numbers seen;
        const std::uint64_t sqn = ((rng() & 0xfffff) + 1) << 5;
        const auto av = make_authentication_vector(f, rand, sqn, *hex_decode("8000"));
        ASSERT_EQ(usim_authenticate(f, seen, av.rand, av.autn).result, usim_answer::outcome::success);
        const auto resync = usim_authenticate(f, seen, av.rand, av.autn);
        ASSERT_EQ(resync.result, usim_answer::outcome::synchronisation_failure);

        const std::string output = run("osmo-auc-gen -3 -a milenage -k " + hex_encode(k) + " -o " + hex_encode(opc) +
                                       " -r " + hex_encode(rand) + " -A " + hex_encode(resync.auts) + " 2>&1");
        EXPECT_EQ(field(output, "SQN.MS"), std::to_string(sqn)) << output;
    }
}

} // namespace
} // namespace mcprov::aka
