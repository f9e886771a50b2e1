#pragma once

// SIPp scenarios of the integration tests' SIP endpoints (the Debian sip-tester): an MCPTT private call's caller, and
// callees that answer an INVITE or a MESSAGE.
#include <string>

#include "mcprov/kms_interface/kms_redirect_response.hpp"

namespace mcprov::testing {

// The caller's INVITE (multipart/mixed: SDP with the key-mgmt line, mcptt-info), and what it expects back: a
// `status`, whose message must match `expect` when given. With `bye`, a call answered 200 is then ended with a BYE.
inline std::string caller(const std::string& to, const std::string& mikey_base64, int status,
                          const std::string& expect = {}, const std::string& from = "sip:alice@example.org",
                          bool bye = false) {
    std::string check;
    if (!expect.empty()) {
        std::string escaped;
        for (char c : expect)
            escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
        check = "<action><ereg regexp=\"" + escaped + "\" search_in=\"msg\" check_it=\"true\" assign_to=\"seen\"/>"
                                                     "</action>";
    }
    std::string s = R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller">
  <send retrans="500"><![CDATA[
INVITE )" + to + R"( SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <)" + from + R"(>;tag=[pid]SIPpTag00[call_number]
To: <)" + to + R"(>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: multipart/mixed;boundary=boundary1
Content-Length: [len]

--boundary1
Content-Type: application/sdp

v=0
o=alice 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/SAVP 0
a=key-mgmt:mikey )" + mikey_base64 + R"(
--boundary1
Content-Type: application/vnd.3gpp.mcptt-info+xml

<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><session-type>private</session-type></mcptt-Params></mcpttinfo>
--boundary1--
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response=")" + std::to_string(status) + "\"" + (status == 200 ? " rrs=\"true\"" : "") + ">" + check + R"(</recv>
)";
    // A 2xx is ACKed in a transaction of its own (a new branch); another final response with the INVITE's Via.
    const std::string via = status == 200 ? "Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]"
                                          : "[last_Via:]";
    s += R"(  <send><![CDATA[
ACK )" + to + R"( SIP/2.0
)" + via + R"(
From: <)" + from + R"(>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
)";
    if (bye && status == 200) {
        s += R"(  <send><![CDATA[
BYE )" + to + R"( SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <)" + from + R"(>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
)";
    }
    if (!expect.empty())
        s += "  <Reference variables=\"seen\"/>\n";
    return s + "</scenario>\n";
}

// The callee's side of a MESSAGE: answers 200.
inline std::string message_callee() {
    return R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="message callee">
  <recv request="MESSAGE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
)";
}

// The callee's side: answers the INVITE with `status` (a 488 with `krr` as its body), then takes the ACK.
inline std::string callee(int status, const std::string& krr = {}) {
    const std::string phrase = status == 200 ? "OK" : "Not Acceptable Here";
    std::string headers = status == 200 ? "Contact: <sip:bob@[local_ip]:[local_port]>\nContent-Length: 0\n"
                                        : "Content-Type: " + std::string(kms_interface::krr_media_type) +
                                              "\nContent-Length: [len]\n";
    return R"(<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="callee">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 )" + std::to_string(status) + " " + phrase + R"(
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
)" + headers + "\n" + krr + R"(
]]></send>
  <recv request="ACK" crlf="true"/>
</scenario>
)";
}

} // namespace mcprov::testing
