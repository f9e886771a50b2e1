#include "sakke_receiver.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gmp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace mcprov::mikey {
namespace {

using support::errc;
using support::make_error;

constexpr std::size_t limbs = 16;   // 1024 bits
constexpr std::size_t octets = 128; // a coordinate
constexpr std::size_t point_octets = 1 + 2 * octets;
constexpr std::size_t ssv_octets = 16; // n = 128 (RFC 6509)
static_assert(GMP_NUMB_BITS == 64 && sizeof(mp_limb_t) == 8, "a 64-bit GMP without nail bits");

using limb = mp_limb_t;
using number = std::array<limb, limbs>; // little-endian limbs
using product = std::array<limb, 2 * limbs>;

// RFC 6509 parameter set 1: p, q = (p + 1) / 4, and P on E: y^2 = x^3 - 3x.
constexpr const char* p_hex =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2EF40AAB27E2FC0F1B228730D531A59CB0E791B39FF7C88A1"
    "9356D27F4A666A6D0E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA9F94D6AF56971F1FFCE3E82389857D"
    "B080C5DF10AC7ACE87666D807AFEA85FEB";
constexpr const char* q_hex =
    "265EAEC7C2958FF69971846636B4195E905B0338672D20986FA6B8D62CF8068BBD02AAC9F8BF03C6C8A1CC354C69672C39E46CE7FDF22286"
    "4D5B49FD2999A9B4389B1921CC9AD335144AB173595A07386DABFD2A0C614AA0A9F3CF14870F026AA7E535ABD5A5C7C7FF38FA08E2615F6C"
    "203177C42B1EB3A1D99B601EBFAA17FB";
constexpr const char* px_hex =
    "53FC09EE332C29AD0A7990053ED9B52A2B1A2FD60AEC69C698B2F204B6FF7CBFB5EDB6C0F6CE2308AB10DB9030B09E1043D5F22CDB9DFA5"
    "5718BD9E7406CE8909760AF765DD5BCCB337C86548B72F2E1A702C3397A60DE74A7C1514DBA66910DD5CFB4CC80728D87EE9163A5B63F73E"
    "C80EC46C4967E0979880DC8ABEAE63895";
constexpr const char* py_hex =
    "0A8249063F6009F1F9F1F0533634A135D3E82016029906963D778D821E141178F5EA69F4654EC2B9E7F7F5E5F0DE55F66B598CCF9A140B2"
    "E416CFF0CA9E032B970DAE117AD547C6CCAD696B5B7652FE0AC6F1E80164AA989492D979FC5A4D5F213515AD7E9CB99A980BDAD5AD5BB46"
    "36ADB9B5706A67DCDE75573FD71BEF16D7";

// An element of F_p in Montgomery form (a * 2^1024 mod p), always below p.
struct fp {
    number v{};
};
struct fp2 { // a + i b, i^2 = -1; in PF_p, up to a factor in F_p*
    fp a;
    fp b;
};
struct affine {
    fp x;
    fp y;
};
struct jacobian { // (X / Z^2, Y / Z^3); Z = 0 is the point at infinity
    fp x;
    fp y;
    fp z;
};

// The comb for [r]I (Lim and Lee): table s holds the 63 sums of [2^(d (6 s + t))]I over subsets of t = 0..5; at
// column j, r's bits j + d (6 s + t) select an entry of table s. d doublings and 2 d additions in all.
constexpr std::size_t comb_teeth = 6;
constexpr std::size_t comb_tables = 2;
constexpr std::size_t comb_spacing = 86; // comb_teeth * comb_tables * comb_spacing >= 1022, the bits of q
constexpr std::size_t comb_entries = std::size_t{1} << comb_teeth;
using comb_table = std::array<std::array<affine, comb_entries>, comb_tables>;

class gmp_integer {
public:
    gmp_integer() { mpz_init(value_); }
    explicit gmp_integer(const char* hex) { mpz_init_set_str(value_, hex, 16); }
    ~gmp_integer() { mpz_clear(value_); }
    gmp_integer(const gmp_integer&) = delete;
    gmp_integer& operator=(const gmp_integer&) = delete;
    mpz_ptr get() { return value_; }

private:
    mpz_t value_;
};

number to_number(mpz_srcptr z) {
    number out{};
    if (mpz_sizeinbase(z, 2) > limbs * 64) {
        throw std::logic_error("sakke: a constant wider than 1024 bits");
    }
    std::size_t count = 0;
    mpz_export(out.data(), &count, -1, sizeof(limb), 0, 0, z);
    return out;
}

struct parameters {
    number p{};
    number q{};
    number p_minus_2{};
    limb p_inv = 0; // -p^-1 mod 2^64
    number r2{};    // 2^2048 mod p
    fp one;         // 1 in Montgomery form
    fp zero;
    std::vector<int> naf; // q - 1 in non-adjacent form, most significant digit first, without the leading 1
    std::size_t div_scratch = 0;
};

parameters make_parameters() {
    parameters k;
    gmp_integer p(p_hex);
    gmp_integer q(q_hex);
    k.p = to_number(p.get());
    if (k.p[limbs - 1] >= 0x9999999999999999) { // p < 0.6 * 2^1024, which reduce_sum relies on
        throw std::logic_error("sakke: p is too large for reduce_sum");
    }
    k.q = to_number(q.get());
    gmp_integer e;
    mpz_sub_ui(e.get(), p.get(), 2);
    k.p_minus_2 = to_number(e.get());
    limb inverse = 1; // Newton's iteration for p[0]^-1 mod 2^64: each step doubles the correct low bits
    for (int i = 0; i < 6; ++i) {
        inverse *= 2 - k.p[0] * inverse;
    }
    k.p_inv = 0 - inverse;
    gmp_integer power;
    mpz_setbit(power.get(), 2 * limbs * 64);
    mpz_mod(power.get(), power.get(), p.get());
    k.r2 = to_number(power.get());
    mpz_set_ui(power.get(), 0);
    mpz_setbit(power.get(), limbs * 64);
    mpz_mod(power.get(), power.get(), p.get());
    k.one.v = to_number(power.get());
    gmp_integer n;
    mpz_sub_ui(n.get(), q.get(), 1);
    std::vector<int> digits; // least significant first
    while (mpz_sgn(n.get()) != 0) {
        int digit = 0;
        if (mpz_odd_p(n.get())) {
            digit = 2 - static_cast<int>(mpz_fdiv_ui(n.get(), 4));
            if (digit > 0) {
                mpz_sub_ui(n.get(), n.get(), 1);
            } else {
                mpz_add_ui(n.get(), n.get(), 1);
            }
        }
        digits.push_back(digit);
        mpz_fdiv_q_2exp(n.get(), n.get(), 1);
    }
    digits.pop_back(); // the leading 1: the loop starts from the point itself
    k.naf.assign(digits.rbegin(), digits.rend());
    k.div_scratch = static_cast<std::size_t>(mpn_sec_div_r_itch(2 * limbs, limbs));
    if (mpn_sec_mul_itch(limbs, limbs) > 0 || mpn_sec_sqr_itch(limbs) > 0) {
        throw std::logic_error("sakke: this GMP wants scratch space for mpn_sec_mul");
    }
    return k;
}

const parameters& params() {
    static const parameters instance = make_parameters();
    return instance;
}

// Montgomery's reduction without its final subtraction: t * 2^-1024 mod p plus a multiple of p, in the upper half of
// t and the carry returned. Each row's carry belongs 16 limbs up, above every limb a later row's multiplier is taken
// from, so the carries are added together at the end.
limb reduce_rows(product& t) {
    const parameters& k = params();
    number carries{};
    for (std::size_t i = 0; i < limbs; ++i) {
        carries[i] = mpn_addmul_1(t.data() + i, k.p.data(), limbs, t[i] * k.p_inv);
    }
    return mpn_add_n(t.data() + limbs, t.data() + limbs, carries.data(), limbs);
}

// t < p * 2^1024 to t * 2^-1024 mod p: below 2p before the subtraction.
void reduce(fp& r, product& t) {
    const limb carry = reduce_rows(t);
    const limb borrow = mpn_sub_n(r.v.data(), t.data() + limbs, params().p.data(), limbs);
    mpn_cnd_add_n(borrow & (carry ^ 1), r.v.data(), r.v.data(), params().p.data(), limbs);
}

// The same for a sum of two products, t < 2 p^2 (below 2^2048 since p < 0.6 * 2^1024): the result is below 3p and
// takes a second conditional subtraction, cheaper than reducing each product.
void reduce_sum(fp& r, product& t) {
    const limb carry = reduce_rows(t);
    number once{};
    const limb borrow = mpn_sub_n(once.data(), t.data() + limbs, params().p.data(), limbs);
    const limb at_least_p = carry | (borrow ^ 1);
    for (std::size_t i = 0; i < limbs; ++i) { // below 1.2 p < 2^1024 from here
        r.v[i] = (once[i] & (0 - at_least_p)) | (t[limbs + i] & (at_least_p - 1));
    }
    const limb again = mpn_sub_n(once.data(), r.v.data(), params().p.data(), limbs);
    for (std::size_t i = 0; i < limbs; ++i) {
        r.v[i] = (once[i] & (again - 1)) | (r.v[i] & (0 - again));
    }
}

// a b + c d, reduced once.
void mul_sum(fp& r, const fp& a, const fp& b, const fp& c, const fp& d) {
    product t;
    product u;
    mpn_sec_mul(t.data(), a.v.data(), limbs, b.v.data(), limbs, nullptr);
    mpn_sec_mul(u.data(), c.v.data(), limbs, d.v.data(), limbs, nullptr);
    mpn_add_n(t.data(), t.data(), u.data(), 2 * limbs); // no carry out: the sum is below 2 p^2 < 2^2048
    reduce_sum(r, t);
}

void mul(fp& r, const fp& a, const fp& b) {
    product t;
    mpn_sec_mul(t.data(), a.v.data(), limbs, b.v.data(), limbs, nullptr);
    reduce(r, t);
}

void sqr(fp& r, const fp& a) {
    product t;
    mpn_sec_sqr(t.data(), a.v.data(), limbs, nullptr);
    reduce(r, t);
}

void add(fp& r, const fp& a, const fp& b) {
    const parameters& k = params();
    const limb carry = mpn_add_n(r.v.data(), a.v.data(), b.v.data(), limbs);
    const limb borrow = mpn_sub_n(r.v.data(), r.v.data(), k.p.data(), limbs);
    mpn_cnd_add_n(borrow & (carry ^ 1), r.v.data(), r.v.data(), k.p.data(), limbs);
}

void sub(fp& r, const fp& a, const fp& b) {
    const limb borrow = mpn_sub_n(r.v.data(), a.v.data(), b.v.data(), limbs);
    mpn_cnd_add_n(borrow, r.v.data(), r.v.data(), params().p.data(), limbs);
}

fp to_field(const number& plain) {
    fp value;
    value.v = plain;
    fp out;
    mul(out, value, fp{params().r2});
    return out;
}

number from_field(const fp& a) {
    product t{};
    std::copy(a.v.begin(), a.v.end(), t.begin());
    fp out;
    reduce(out, t);
    return out.v;
}

// a^e for a public exponent e, a 4-bit window; the sequence of operations depends on e only.
fp power(const fp& a, const number& e) {
    const parameters& k = params();
    std::array<fp, 16> table;
    table[0] = k.one;
    table[1] = a;
    for (std::size_t i = 2; i < table.size(); ++i) {
        mul(table[i], table[i - 1], a);
    }
    fp r = k.one;
    for (std::size_t nibble = limbs * 16; nibble-- > 0;) {
        for (int s = 0; s < 4; ++s) {
            sqr(r, r);
        }
        const unsigned digit = static_cast<unsigned>(e[nibble / 16] >> (4 * (nibble % 16))) & 0xF;
        if (digit != 0) {
            mul(r, r, table[digit]);
        }
    }
    OPENSSL_cleanse(table.data(), sizeof(table));
    return r;
}

// 1 / a in constant time (Fermat), for the few values that depend on secrets and are inverted once per key.
fp inverse(const fp& a) {
    return power(a, params().p_minus_2);
}

// 1 / a for a public a (zero for zero), by the extended Euclidean algorithm: about twenty times faster.
fp inverse_public(const fp& a) {
    const number plain = from_field(a);
    gmp_integer value;
    mpz_import(value.get(), limbs, -1, sizeof(limb), 0, 0, plain.data());
    gmp_integer modulus;
    mpz_import(modulus.get(), limbs, -1, sizeof(limb), 0, 0, params().p.data());
    if (mpz_invert(value.get(), value.get(), modulus.get()) == 0) {
        return params().zero;
    }
    return to_field(to_number(value.get()));
}

// 1 / a for a secret a: the inverse of a k, for a random k that makes a k independent of a, times k.
fp inverse_blinded(const fp& a) {
    std::array<unsigned char, octets + 8> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw std::runtime_error("sakke: no random octets for blinding");
    }
    gmp_integer k;
    mpz_import(k.get(), random.size(), 1, 1, 1, 0, random.data());
    gmp_integer modulus;
    mpz_import(modulus.get(), limbs, -1, sizeof(limb), 0, 0, params().p.data());
    mpz_mod(k.get(), k.get(), modulus.get());
    if (mpz_sgn(k.get()) == 0) {
        mpz_set_ui(k.get(), 1);
    }
    const fp blind = to_field(to_number(k.get()));
    fp blinded;
    mul(blinded, a, blind);
    fp out;
    mul(out, inverse_public(blinded), blind);
    return out;
}

bool is_zero(const fp& a) {
    limb any = 0;
    for (limb l : a.v) {
        any |= l;
    }
    return any == 0;
}

bool equal(const fp& a, const fp& b) {
    limb difference = 0;
    for (std::size_t i = 0; i < limbs; ++i) {
        difference |= a.v[i] ^ b.v[i];
    }
    return difference == 0;
}

// mask: all ones or zero
void select(fp& r, const fp& a, limb mask) {
    for (std::size_t i = 0; i < limbs; ++i) {
        r.v[i] = (a.v[i] & mask) | (r.v[i] & ~mask);
    }
}

limb mask_if_nonzero(limb x) {
    return 0 - ((x | (0 - x)) >> 63);
}

// Big-endian octets below p, as a field element; false when not below p.
bool read_coordinate(const unsigned char* in, fp& out) {
    number plain{};
    for (std::size_t i = 0; i < limbs; ++i) {
        limb l = 0;
        for (std::size_t j = 0; j < 8; ++j) {
            l = (l << 8) | in[octets - 8 * (i + 1) + j];
        }
        plain[i] = l;
    }
    if (mpn_cmp(plain.data(), params().p.data(), limbs) >= 0) {
        return false;
    }
    out = to_field(plain);
    return true;
}

std::string write_coordinate(const fp& a) {
    const number plain = from_field(a);
    std::string out(octets, '\0');
    for (std::size_t i = 0; i < limbs; ++i) {
        for (std::size_t j = 0; j < 8; ++j) {
            out[octets - 8 * i - 1 - j] = static_cast<char>(plain[i] >> (8 * j));
        }
    }
    return out;
}

bool read_point(std::string_view encoded, affine& out) {
    if (encoded.size() != point_octets || static_cast<unsigned char>(encoded[0]) != 0x04) {
        return false;
    }
    const auto* bytes = reinterpret_cast<const unsigned char*>(encoded.data());
    return read_coordinate(bytes + 1, out.x) && read_coordinate(bytes + 1 + octets, out.y);
}

bool on_curve(const affine& a) { // y^2 = x^3 - 3x
    fp left;
    sqr(left, a.y);
    fp right;
    sqr(right, a.x);
    fp three;
    add(three, params().one, params().one);
    add(three, three, params().one);
    sub(right, right, three);
    mul(right, right, a.x);
    return equal(left, right);
}

// 2A on y^2 = x^3 - 3x (dbl-2001-b). Keeps Z = 0 at infinity.
jacobian dbl(const jacobian& a) {
    fp delta;
    fp gamma;
    fp beta;
    fp alpha;
    fp t;
    sqr(delta, a.z);
    sqr(gamma, a.y);
    mul(beta, a.x, gamma);
    sub(t, a.x, delta);
    add(alpha, a.x, delta);
    mul(alpha, alpha, t);
    add(t, alpha, alpha);
    add(alpha, alpha, t);
    jacobian r;
    sqr(r.x, alpha);
    add(t, beta, beta); // 2 beta
    add(t, t, t);       // 4 beta
    sub(r.x, r.x, t);
    sub(r.x, r.x, t); // alpha^2 - 8 beta
    add(r.z, a.y, a.z);
    sqr(r.z, r.z);
    sub(r.z, r.z, gamma);
    sub(r.z, r.z, delta);
    sub(t, t, r.x); // 4 beta - X3
    mul(r.y, alpha, t);
    sqr(gamma, gamma);
    add(gamma, gamma, gamma);
    add(gamma, gamma, gamma);
    add(gamma, gamma, gamma); // 8 gamma^2
    sub(r.y, r.y, gamma);
    return r;
}

// B in A's coordinates: Z1^2, U2 = X2 Z1^2, S2 = Y2 Z1^3.
struct in_frame {
    fp z1z1;
    fp u2;
    fp s2;
};

in_frame frame_of(const jacobian& a, const affine& b) {
    in_frame f;
    sqr(f.z1z1, a.z);
    mul(f.u2, b.x, f.z1z1);
    mul(f.s2, b.y, a.z);
    mul(f.s2, f.s2, f.z1z1);
    return f;
}

jacobian add_in_frame(const jacobian& a, const in_frame& f) {
    fp h;
    fp hh;
    fp i;
    fp j;
    fp rr;
    fp v;
    sub(h, f.u2, a.x);
    sqr(hh, h);
    add(i, hh, hh);
    add(i, i, i);
    mul(j, h, i);
    sub(rr, f.s2, a.y);
    add(rr, rr, rr);
    mul(v, a.x, i);
    jacobian r;
    sqr(r.x, rr);
    sub(r.x, r.x, j);
    sub(r.x, r.x, v);
    sub(r.x, r.x, v);
    sub(v, v, r.x);
    mul(r.y, rr, v);
    mul(j, a.y, j);
    add(j, j, j);
    sub(r.y, r.y, j);
    add(r.z, a.z, h);
    sqr(r.z, r.z);
    sub(r.z, r.z, f.z1z1);
    sub(r.z, r.z, hh);
    return r;
}

// A + B for B affine, A neither B, -B nor infinity (madd-2007-bl).
jacobian add_mixed(const jacobian& a, const affine& b) {
    return add_in_frame(a, frame_of(a, b));
}

// A + B for public points, every case.
jacobian add_public(const jacobian& a, const affine& b) {
    if (is_zero(a.z)) {
        return {b.x, b.y, params().one};
    }
    const in_frame f = frame_of(a, b);
    if (equal(f.u2, a.x)) {
        if (equal(f.s2, a.y)) {
            return dbl(a);
        }
        return {params().one, params().one, params().zero};
    }
    return add_in_frame(a, f);
}

jacobian lift(const affine& a) {
    return {a.x, a.y, params().one};
}

affine to_affine(const jacobian& a, const fp& z_inverse) {
    fp zz;
    sqr(zz, z_inverse);
    affine r;
    mul(r.x, a.x, zz);
    mul(zz, zz, z_inverse);
    mul(r.y, a.y, zz);
    return r;
}

// Replaces every element (none zero) by its inverse, with one inversion (Montgomery's trick).
void invert_all(std::vector<fp>& values) {
    if (values.empty()) {
        return;
    }
    std::vector<fp> prefix(values.size());
    prefix[0] = values[0];
    for (std::size_t i = 1; i < values.size(); ++i) {
        mul(prefix[i], prefix[i - 1], values[i]);
    }
    fp running = inverse(prefix.back());
    for (std::size_t i = values.size(); i-- > 1;) {
        fp inverse_i;
        mul(inverse_i, running, prefix[i - 1]);
        mul(running, running, values[i]);
        values[i] = inverse_i;
    }
    values[0] = running;
    OPENSSL_cleanse(prefix.data(), prefix.size() * sizeof(fp));
}

// RFC 6508 5.1 HashToIntegerRange with SHA-256, before the reduction: v_1 || ... || v_l.
std::string hash_blocks(std::string_view s, std::size_t l) {
    constexpr std::size_t hash_octets = 32;
    auto digest = [](std::string_view a, std::string_view b) {
        std::array<unsigned char, hash_octets> out{};
        EVP_MD_CTX* context = EVP_MD_CTX_new();
        const bool ok = context != nullptr && EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
                        EVP_DigestUpdate(context, a.data(), a.size()) == 1 &&
                        EVP_DigestUpdate(context, b.data(), b.size()) == 1 &&
                        EVP_DigestFinal_ex(context, out.data(), nullptr) == 1;
        EVP_MD_CTX_free(context);
        if (!ok) {
            throw std::runtime_error("sakke: SHA-256 failed");
        }
        return std::string(reinterpret_cast<const char*>(out.data()), out.size());
    };
    const std::string a = digest(s, {});
    std::string h(hash_octets, '\0');
    std::string v;
    for (std::size_t i = 0; i < l; ++i) {
        h = digest(h, {});
        v += digest(h, a);
    }
    return v;
}

// HashToIntegerRange(s, q, SHA-256): four blocks (lg q / 256 rounds up to 4), reduced in constant time.
number hash_to_q(std::string_view s) {
    std::string v = hash_blocks(s, 4);
    product wide{};
    for (std::size_t i = 0; i < 2 * limbs && i * 8 < v.size(); ++i) {
        limb l = 0;
        for (std::size_t j = 0; j < 8; ++j) {
            l = (l << 8) | static_cast<unsigned char>(v[v.size() - 8 * (i + 1) + j]);
        }
        wide[i] = l;
    }
    OPENSSL_cleanse(v.data(), v.size());
    const parameters& k = params();
    std::vector<limb> scratch(k.div_scratch + 1);
    mpn_sec_div_r(wide.data(), static_cast<mp_size_t>(limbs), k.q.data(), static_cast<mp_size_t>(limbs),
                  scratch.data());
    number r{};
    std::copy(wide.begin(), wide.begin() + limbs, r.begin());
    OPENSSL_cleanse(wide.data(), sizeof(wide));
    return r;
}

fp2 square(const fp2& v) { // (a + b)(a - b) + i 2ab
    fp s;
    fp d;
    fp2 r;
    add(s, v.a, v.b);
    sub(d, v.a, v.b);
    mul(r.a, s, d);
    mul(r.b, v.a, v.b);
    add(r.b, r.b, r.b);
    return r;
}

} // namespace

// A line of the Miller loop through multiples of the RSK, evaluated at psi(Q) = (-Q_x, i Q_y) and divided by Q_y:
// lambda Q_x / Q_y + mu / Q_y + i, with lambda its slope and mu = lambda C_x - C_y for a point C on it.
struct miller_line {
    fp lambda;
    fp mu;
    bool squares_first = false; // a doubling step: v = v^2 before the line
};

struct sakke_receiver::state {
    std::string uid;
    comb_table comb{};
    std::vector<miller_line> lines;
    ~state() { OPENSSL_cleanse(lines.data(), lines.size() * sizeof(miller_line)); }
};

sakke_receiver::sakke_receiver(std::unique_ptr<state> prepared) : state_(std::move(prepared)) {}
sakke_receiver::~sakke_receiver() = default;

namespace {

// [k]A for a public k and point A, by double-and-add.
jacobian multiply_public(const number& k, const affine& a) {
    jacobian r{params().one, params().one, params().zero};
    for (std::size_t bit = limbs * 64; bit-- > 0;) {
        r = is_zero(r.z) ? r : dbl(r);
        if ((k[bit / 64] >> (bit % 64)) & 1) {
            r = add_public(r, a);
        }
    }
    return r;
}

support::result<void> make_comb(const affine& i_point, comb_table& comb) {
    std::array<affine, comb_teeth * comb_tables> bases; // [2^(d n)]I
    bases[0] = i_point;
    for (std::size_t n = 1; n < bases.size(); ++n) {
        jacobian b = lift(bases[n - 1]);
        for (std::size_t s = 0; s < comb_spacing; ++s) {
            b = dbl(b);
        }
        if (is_zero(b.z)) {
            return make_error(errc::invalid_argument, "[b]P + Z_T is not a point of order q");
        }
        bases[n] = to_affine(b, inverse_public(b.z));
    }
    std::vector<jacobian> sums;
    std::vector<fp> zs;
    for (std::size_t table = 0; table < comb_tables; ++table) {
        for (std::size_t entry = 1; entry < comb_entries; ++entry) {
            jacobian sum{params().one, params().one, params().zero};
            for (std::size_t t = 0; t < comb_teeth; ++t) {
                if ((entry >> t) & 1) {
                    sum = add_public(sum, bases[table * comb_teeth + t]);
                }
            }
            if (is_zero(sum.z)) {
                return make_error(errc::invalid_argument, "[b]P + Z_T is not a point of order q");
            }
            sums.push_back(sum);
            zs.push_back(sum.z);
        }
    }
    invert_all(zs);
    std::size_t next = 0;
    for (std::size_t table = 0; table < comb_tables; ++table) {
        for (std::size_t entry = 1; entry < comb_entries; ++entry, ++next) {
            comb[table][entry] = to_affine(sums[next], zs[next]);
        }
        comb[table][0] = comb[table][1]; // never used: a zero digit adds nothing
    }
    return {};
}

// The Miller loop's points C before each step (RFC 6508 3.2 walks the bits of q - 1; here its non-adjacent form),
// then their lines. The steps depend on q only; the values on the RSK, so nothing here branches on them.
support::result<std::vector<miller_line>> make_lines(const affine& rsk) {
    const parameters& k = params();
    struct step {
        jacobian c;
        int kind; // 0: the tangent at C; +1 / -1: the line through C and +RSK / -RSK
    };
    affine minus_rsk = rsk;
    sub(minus_rsk.y, k.zero, rsk.y);
    std::vector<step> steps;
    steps.reserve(2 * k.naf.size());
    jacobian c = lift(rsk);
    for (int digit : k.naf) {
        steps.push_back({c, 0});
        c = dbl(c);
        if (digit != 0) {
            steps.push_back({c, digit});
            c = add_mixed(c, digit > 0 ? rsk : minus_rsk);
        }
    }
    std::vector<fp> zs(steps.size());
    limb degenerate = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        zs[i] = steps[i].c.z;
        degenerate |= static_cast<limb>(is_zero(zs[i]));
    }
    invert_all(zs);
    std::vector<affine> points(steps.size());
    std::vector<fp> denominators(steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        points[i] = to_affine(steps[i].c, zs[i]);
        if (steps[i].kind == 0) {
            add(denominators[i], points[i].y, points[i].y);
        } else {
            sub(denominators[i], points[i].x, rsk.x);
        }
        degenerate |= static_cast<limb>(is_zero(denominators[i]));
    }
    if (degenerate != 0) {
        return make_error(errc::invalid_argument, "the RSK is not a point of order q");
    }
    invert_all(denominators);
    fp three;
    add(three, k.one, k.one);
    add(three, three, k.one);
    std::vector<miller_line> lines(steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const affine& p = points[i];
        fp numerator;
        if (steps[i].kind == 0) { // (3 x^2 - 3) / 2y
            sqr(numerator, p.x);
            sub(numerator, numerator, k.one);
            mul(numerator, numerator, three);
        } else { // (C_y -+ K_y) / (C_x - K_x)
            sub(numerator, p.y, steps[i].kind > 0 ? rsk.y : minus_rsk.y);
        }
        mul(lines[i].lambda, numerator, denominators[i]);
        mul(lines[i].mu, lines[i].lambda, p.x);
        sub(lines[i].mu, lines[i].mu, p.y);
        lines[i].squares_first = steps[i].kind == 0;
    }
    OPENSSL_cleanse(steps.data(), steps.size() * sizeof(step));
    OPENSSL_cleanse(points.data(), points.size() * sizeof(affine));
    OPENSSL_cleanse(denominators.data(), denominators.size() * sizeof(fp));
    OPENSSL_cleanse(zs.data(), zs.size() * sizeof(fp));
    return lines;
}

// <RSK, Q> in PF_p as the integer x_2 / x_1 (RFC 6508 2.1), 128 octets: the Miller value raised to (p + 1) / q = 4.
std::string pairing(const std::vector<miller_line>& lines, const affine& q_point) {
    const parameters& k = params();
    const fp y = inverse_public(q_point.y);
    fp x;
    mul(x, q_point.x, y);
    fp2 v{k.one, k.zero};
    fp t;
    fp2 next;
    for (const miller_line& line : lines) {
        if (line.squares_first) {
            v = square(v);
        }
        mul_sum(t, line.lambda, x, line.mu, y); // t + i, the line's value
        mul(next.a, v.a, t);                    // (a + ib)(t + i) = (at - b) + i(a + bt)
        sub(next.a, next.a, v.b);
        mul(next.b, v.b, t);
        add(next.b, next.b, v.a);
        v = next;
    }
    v = square(square(v));
    fp w;
    mul(w, v.b, inverse_blinded(v.a));
    std::string out = write_coordinate(w);
    OPENSSL_cleanse(&v, sizeof(v));
    OPENSSL_cleanse(&next, sizeof(next));
    OPENSSL_cleanse(&w, sizeof(w));
    return out;
}

// Whether [r]I is `expected`, by the comb: every entry is read for every digit, every addition made and kept or not
// by a mask. The mixed addition is wrong only if the sum so far equals the entry or its negative, which needs r to
// hit a value of probability about 2^-1000; the check then fails and the message is refused.
bool comb_multiple_is(const comb_table& comb, const number& r, const affine& expected) {
    const parameters& k = params();
    auto bit = [&r](std::size_t index) -> limb { return index < limbs * 64 ? (r[index / 64] >> (index % 64)) & 1 : 0; };
    jacobian acc{k.one, k.one, k.zero};
    limb at_infinity = ~limb{0};
    for (std::size_t j = comb_spacing; j-- > 0;) {
        acc = dbl(acc);
        for (std::size_t table = 0; table < comb_tables; ++table) {
            limb digit = 0;
            for (std::size_t t = 0; t < comb_teeth; ++t) {
                digit |= bit(j + comb_spacing * (table * comb_teeth + t)) << t;
            }
            affine entry;
            for (std::size_t e = 0; e < comb_entries; ++e) {
                const limb match = ~mask_if_nonzero(digit ^ e);
                select(entry.x, comb[table][e].x, match);
                select(entry.y, comb[table][e].y, match);
            }
            const jacobian sum = add_mixed(acc, entry);
            const limb nonzero = mask_if_nonzero(digit);
            const limb take_sum = nonzero & ~at_infinity;
            const limb take_entry = nonzero & at_infinity;
            select(acc.x, sum.x, take_sum);
            select(acc.y, sum.y, take_sum);
            select(acc.z, sum.z, take_sum);
            select(acc.x, entry.x, take_entry);
            select(acc.y, entry.y, take_entry);
            select(acc.z, k.one, take_entry);
            at_infinity &= ~nonzero;
        }
    }
    if (at_infinity != 0) {
        return false;
    }
    fp zz;
    sqr(zz, acc.z);
    fp x;
    mul(x, expected.x, zz);
    mul(zz, zz, acc.z);
    fp y;
    mul(y, expected.y, zz);
    return equal(x, acc.x) && equal(y, acc.y);
}

} // namespace

support::result<std::shared_ptr<const sakke_receiver>>
sakke_receiver::prepare(std::string_view z_t, std::string_view uid, std::string_view rsk) {
    affine z_point;
    affine rsk_point;
    if (!read_point(z_t, z_point) || !on_curve(z_point)) {
        return make_error(errc::invalid_argument, "Z_T: not a point of the SAKKE curve");
    }
    if (!read_point(rsk, rsk_point) || !on_curve(rsk_point)) {
        return make_error(errc::invalid_argument, "RSK: not a point of the SAKKE curve");
    }
    gmp_integer b;
    mpz_import(b.get(), uid.size(), 1, 1, 1, 0, uid.data());
    gmp_integer q(q_hex);
    mpz_mod(b.get(), b.get(), q.get());
    gmp_integer px(px_hex);
    gmp_integer py(py_hex);
    const affine generator{to_field(to_number(px.get())), to_field(to_number(py.get()))};
    jacobian i_point = add_public(multiply_public(to_number(b.get()), generator), z_point);
    if (is_zero(i_point.z)) {
        return make_error(errc::invalid_argument, "[b]P + Z_T is the point at infinity for this identifier");
    }
    auto prepared = std::make_unique<state>();
    prepared->uid = std::string(uid);
    if (auto made = make_comb(to_affine(i_point, inverse_public(i_point.z)), prepared->comb); !made) {
        return std::move(made).err();
    }
    auto lines = make_lines(rsk_point);
    OPENSSL_cleanse(&rsk_point, sizeof(rsk_point));
    if (!lines) {
        return std::move(lines).err();
    }
    prepared->lines = std::move(*lines);
    return std::shared_ptr<const sakke_receiver>(std::make_shared<sakke_receiver>(std::move(prepared)));
}

support::result<std::string> sakke_receiver::decapsulate(std::string_view encapsulated) const {
    affine r_point;
    if (encapsulated.size() != point_octets + ssv_octets ||
        !read_point(encapsulated.substr(0, point_octets), r_point) || !on_curve(r_point) || is_zero(r_point.y)) {
        return make_error(errc::invalid_argument, "R_(b,S): not a point of the SAKKE curve outside its 2-torsion");
    }
    std::string w = pairing(state_->lines, r_point);
    std::string mask = hash_blocks(w, 1);
    OPENSSL_cleanse(w.data(), w.size());
    std::string ssv(encapsulated.substr(point_octets));
    for (std::size_t i = 0; i < ssv_octets; ++i) { // H XOR (v_1 mod 2^128): its last 16 octets
        ssv[i] = static_cast<char>(ssv[i] ^ mask[mask.size() - ssv_octets + i]);
    }
    OPENSSL_cleanse(mask.data(), mask.size());
    std::string seed = ssv + state_->uid;
    number r = hash_to_q(seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    const bool verified = comb_multiple_is(state_->comb, r, r_point);
    OPENSSL_cleanse(r.data(), sizeof(r));
    if (!verified) {
        OPENSSL_cleanse(ssv.data(), ssv.size());
        return make_error(errc::unauthenticated,
                          "the encapsulated data does not verify for this identifier and RSK (RFC 6508 6.2.2)");
    }
    return ssv;
}

} // namespace mcprov::mikey
