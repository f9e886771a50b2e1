#pragma once

#include <mcprov/support/result.hpp>

#include <string>
#include <string_view>

namespace mcprov::aka {

// The MILENAGE functions f1, f1*, f2, f3, f4, f5 and f5* (TS 35.206) on AES-128, with the constants r1..r5 and
// c1..c5 of TS 35.206 clause 4.1. Byte strings are octets: K, OPc, RAND 16 octets, SQN 6, AMF 2.
class milenage {
public:
    static support::result<milenage> create(std::string_view k, std::string_view opc);
    // OPc = OP xor E_K(OP) (TS 35.206 clause 4.1), for operators that provision OP rather than OPc.
    static support::result<std::string> opc_from_op(std::string_view k, std::string_view op);

    // MAC-A (f1) and MAC-S (f1*), 8 octets each.
    std::string f1(std::string_view rand, std::string_view sqn, std::string_view amf) const;
    std::string f1_star(std::string_view rand, std::string_view sqn, std::string_view amf) const;

    struct outputs {
        std::string res; // f2, 8 octets
        std::string ck;  // f3, 16
        std::string ik;  // f4, 16
        std::string ak;  // f5, 6
    };
    outputs f2345(std::string_view rand) const;
    std::string f5_star(std::string_view rand) const; // AK for re-synchronisation, 6 octets

private:
    milenage(std::string k, std::string opc) : k_(std::move(k)), opc_(std::move(opc)) {}
    std::string temp(std::string_view rand) const;
    std::string out1(std::string_view rand, std::string_view sqn, std::string_view amf) const;
    std::string out(std::string_view temp, int rotate_octets, unsigned char c) const;

    std::string k_;
    std::string opc_;
};

} // namespace mcprov::aka
