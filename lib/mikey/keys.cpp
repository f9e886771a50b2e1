#include "mcprov/mikey/keys.hpp"

#include "sakke_receiver.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

// wolfSSL's build options first: they fix the layout of every structure below. This is the only file of the project
// that includes wolfSSL headers (its OpenSSL-compatibility layer clashes with OpenSSL's).
#include <wolfssl/options.h>

#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/wc_port.h>

namespace mcprov::mikey {
namespace {

using support::errc;
using support::make_error;

constexpr wc_HashType hash_type = WC_HASH_TYPE_SHA256;

static_assert(max_uid_size <= SAKKE_ID_MAX_SIZE, "wolfcrypt keeps a SAKKE identifier in SAKKE_ID_MAX_SIZE octets");

// One of the two curves of parameter set 1.
struct curve {
    int id;
    std::size_t octets; // of p, and so of each coordinate
    const char* name;
};
const curve p256{ECC_SECP256R1, 32, "P-256"};
const curve sakke_curve{ECC_SAKKE_1, 128, "the SAKKE curve"};

static_assert(kpak_size == 1 + 2 * 32 && pvt_size == kpak_size && ksak_size == 32 && ssk_size == 32);
static_assert(eccsi_signature_size == 2 * 32 + pvt_size);
static_assert(sakke_public_key_size == 1 + 2 * 128 && rsk_size == sakke_public_key_size);
static_assert(sakke_master_secret_size == 128 && sakke_encapsulated_size == rsk_size + ssv_size);

const byte* octets(std::string_view s) {
    return reinterpret_cast<const byte*>(s.data());
}

std::string to_string(const byte* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// Zeroes secret material on every path.
template <std::size_t n> class secret_buffer {
public:
    secret_buffer() = default;
    secret_buffer(const secret_buffer&) = delete;
    secret_buffer& operator=(const secret_buffer&) = delete;
    ~secret_buffer() { wipe(); }

    byte* data() noexcept { return bytes_.data(); }
    static constexpr std::size_t size() noexcept { return n; }
    void wipe() noexcept {
        volatile byte* p = bytes_.data();
        for (std::size_t i = 0; i < n; ++i) {
            p[i] = 0;
        }
    }

private:
    std::array<byte, n> bytes_{};
};

support::error invalid(std::string message) {
    return make_error(errc::invalid_argument, std::move(message));
}

support::error wolfcrypt_failure(const char* function, int code) {
    return make_error(errc::internal, std::string("wolfcrypt ") + function + " failed: " + wc_GetErrorString(code) +
                                          " (" + std::to_string(code) + ")");
}

std::string size_message(const char* what, std::size_t expected, std::size_t got) {
    return std::string(what) + ": expected " + std::to_string(expected) + " octets, got " + std::to_string(got);
}

// What wolfcrypt keeps per thread. The DRBG: a WC_RNG is not safe to share between threads. And the fixed-point
// cache of ECC (FP_ECC): Debian's library keeps it in thread-local storage and fills it with precomputed multiples of
// the points it multiplies most, which wc_ecc_fp_free must release in each thread before it ends (a few MiB per
// thread otherwise leak).
class thread_state {
public:
    thread_state() = default;
    thread_state(const thread_state&) = delete;
    thread_state& operator=(const thread_state&) = delete;
    ~thread_state() {
        if (rng_ready_) {
            wc_FreeRng(&rng_);
        }
#ifdef FP_ECC
        wc_ecc_fp_free();
#endif
    }

    support::result<WC_RNG*> rng() {
        if (!rng_ready_) {
            if (int rc = wc_InitRng(&rng_); rc != 0) {
                return wolfcrypt_failure("wc_InitRng", rc);
            }
            rng_ready_ = true;
        }
        return &rng_;
    }

private:
    WC_RNG rng_{};
    bool rng_ready_ = false;
};

thread_state& this_thread() {
    thread_local thread_state state;
    return state;
}

// Called first by every public function: wolfCrypt_Init once per process (thread-safe static initialisation; it sets
// up the library's locks, which it would otherwise initialise lazily and racily), and this thread's state, so that
// its destructor runs when the thread ends.
support::result<void> ensure_wolfcrypt() {
    static const int rc = wolfCrypt_Init();
    if (rc != 0) {
        return wolfcrypt_failure("wolfCrypt_Init", rc);
    }
    (void)this_thread();
    return {};
}

support::result<WC_RNG*> rng() {
    return this_thread().rng();
}

// The wolfcrypt objects, each on the heap (they hold many big integers) and freed on every path.
class eccsi_key {
public:
    eccsi_key() : key_(std::make_unique<EccsiKey>()) {}
    eccsi_key(const eccsi_key&) = delete;
    eccsi_key& operator=(const eccsi_key&) = delete;
    ~eccsi_key() {
        if (ready_) {
            wc_FreeEccsiKey(key_.get());
        }
    }

    support::result<void> init() {
        int rc = wc_InitEccsiKey_ex(key_.get(), static_cast<int>(p256.octets), p256.id, nullptr, INVALID_DEVID);
        if (rc != 0) {
            return wolfcrypt_failure("wc_InitEccsiKey_ex", rc);
        }
        ready_ = true;
        return {};
    }
    EccsiKey* get() noexcept { return key_.get(); }

private:
    std::unique_ptr<EccsiKey> key_;
    bool ready_ = false;
};

class sakke_key {
public:
    sakke_key() : key_(std::make_unique<SakkeKey>()) {}
    sakke_key(const sakke_key&) = delete;
    sakke_key& operator=(const sakke_key&) = delete;
    ~sakke_key() {
        if (ready_) {
            wc_FreeSakkeKey(key_.get());
        }
    }

    support::result<void> init() {
        int rc = wc_InitSakkeKey_ex(key_.get(), static_cast<int>(sakke_curve.octets), sakke_curve.id, nullptr,
                                    INVALID_DEVID);
        if (rc != 0) {
            return wolfcrypt_failure("wc_InitSakkeKey_ex", rc);
        }
        ready_ = true;
        return {};
    }
    SakkeKey* get() noexcept { return key_.get(); }

private:
    std::unique_ptr<SakkeKey> key_;
    bool ready_ = false;
};

struct ecc_key_deleter {
    void operator()(ecc_key* key) const noexcept { wc_ecc_key_free(key); }
};
using ecc_key_ptr = std::unique_ptr<ecc_key, ecc_key_deleter>;

struct point_deleter {
    void operator()(ecc_point* point) const noexcept {
        wc_ecc_forcezero_point(point);
        wc_ecc_del_point(point);
    }
};
using point_ptr = std::unique_ptr<ecc_point, point_deleter>;

support::result<point_ptr> new_point() {
    point_ptr point(wc_ecc_new_point());
    if (!point) {
        return make_error(errc::internal, "wolfcrypt wc_ecc_new_point failed: out of memory");
    }
    return point;
}

// A big integer, zeroed when it goes.
class big_int {
public:
    big_int() { mp_init(&value_); }
    big_int(const big_int&) = delete;
    big_int& operator=(const big_int&) = delete;
    ~big_int() {
        mp_forcezero(&value_);
        mp_free(&value_);
    }
    mp_int* get() noexcept { return &value_; }

private:
    mp_int value_;
};

const ecc_set_type* curve_params(const curve& c) {
    return wc_ecc_get_curve_params(wc_ecc_get_curve_idx(c.id));
}

support::result<void> read_hex(mp_int* out, const char* hex) {
    if (int rc = mp_read_radix(out, hex, MP_RADIX_HEX); rc != MP_OKAY) {
        return wolfcrypt_failure("mp_read_radix", rc);
    }
    return {};
}

// A big-endian integer of exactly `size` octets in [1, order - 1], the range of every scalar here (KSAK, SSK, z, and
// the r and s of a signature).
support::result<void> decode_scalar(const curve& c, std::string_view encoded, std::size_t size, const char* what,
                                    mp_int* out) {
    if (encoded.size() != size) {
        return invalid(size_message(what, size, encoded.size()));
    }
    if (int rc = mp_read_unsigned_bin(out, octets(encoded), static_cast<word32>(encoded.size())); rc != MP_OKAY) {
        return wolfcrypt_failure("mp_read_unsigned_bin", rc);
    }
    big_int order;
    if (auto loaded = read_hex(order.get(), curve_params(c)->order); !loaded) {
        return std::move(loaded).err();
    }
    if (mp_iszero(out) || mp_cmp(out, order.get()) != MP_LT) {
        return invalid(std::string(what) + ": out of range, it must lie in [1, q - 1]");
    }
    return {};
}

// Points of order 2 or 4 on the SAKKE curve y^2 = x^3 - 3x (cofactor 4): (0, 0), and the two points with x^2 = -3,
// whose double is (0, 0). Their multiples reach the point at infinity inside wolfcrypt's pairing.
support::result<bool> has_small_order_on_sakke_curve(ecc_point* point) {
    if (mp_iszero(point->x)) {
        return true;
    }
    big_int prime;
    big_int square;
    big_int minus_three;
    if (auto loaded = read_hex(prime.get(), curve_params(sakke_curve)->prime); !loaded) {
        return std::move(loaded).err();
    }
    if (int rc = mp_sqrmod(point->x, prime.get(), square.get()); rc != MP_OKAY) {
        return wolfcrypt_failure("mp_sqrmod", rc);
    }
    if (int rc = mp_sub_d(prime.get(), 3, minus_three.get()); rc != MP_OKAY) {
        return wolfcrypt_failure("mp_sub_d", rc);
    }
    return mp_cmp(square.get(), minus_three.get()) == MP_EQ;
}

// An uncompressed point (0x04 || x || y) of `c`: the right size, both coordinates below p, on the curve, and neither
// the point at infinity nor (on the SAKKE curve) a point of small order.
support::result<void> decode_point(const curve& c, std::string_view encoded, const char* what, ecc_point* out) {
    const std::size_t size = 1 + 2 * c.octets;
    if (encoded.size() != size) {
        return invalid(size_message(what, size, encoded.size()));
    }
    if (static_cast<unsigned char>(encoded[0]) != 0x04) {
        return invalid(std::string(what) + ": not an uncompressed point (the first octet is not 0x04)");
    }
    const int idx = wc_ecc_get_curve_idx(c.id);
    if (int rc = wc_ecc_import_point_der(octets(encoded), static_cast<word32>(size), idx, out); rc != 0) {
        return invalid(std::string(what) + ": does not decode as a point (" + wc_GetErrorString(rc) + ")");
    }
    big_int prime;
    if (auto loaded = read_hex(prime.get(), curve_params(c)->prime); !loaded) {
        return std::move(loaded).err();
    }
    if (mp_cmp(out->x, prime.get()) != MP_LT || mp_cmp(out->y, prime.get()) != MP_LT) {
        return invalid(std::string(what) + ": a coordinate is not below p");
    }
    if (wc_ecc_point_is_at_infinity(out)) {
        return invalid(std::string(what) + ": the point at infinity");
    }
    if (wc_ecc_point_is_on_curve(out, idx) != MP_OKAY) {
        return invalid(std::string(what) + ": not a point of " + c.name);
    }
    if (c.id == sakke_curve.id) {
        auto small = has_small_order_on_sakke_curve(out);
        if (!small) {
            return std::move(small).err();
        }
        if (*small) {
            return invalid(std::string(what) + ": a point of small order, outside the subgroup of order q");
        }
    }
    return {};
}

support::result<std::string> encode_point(const curve& c, ecc_point* point) {
    std::array<byte, 1 + 2 * 128> out{};
    word32 size = static_cast<word32>(1 + 2 * c.octets);
    if (int rc = wc_ecc_export_point_der(wc_ecc_get_curve_idx(c.id), point, out.data(), &size); rc != 0) {
        return wolfcrypt_failure("wc_ecc_export_point_der", rc);
    }
    return to_string(out.data(), size);
}

support::result<void> check_uid(std::string_view uid) {
    if (uid.empty()) {
        return invalid("uid: empty");
    }
    if (uid.size() > max_uid_size) {
        return invalid("uid: " + std::to_string(uid.size()) + " octets, at most " + std::to_string(max_uid_size));
    }
    return {};
}

support::result<void> check_master_secrets(const master_secrets& secrets) {
    big_int ksak;
    if (auto checked = decode_scalar(p256, secrets.ksak, ksak_size, "KSAK", ksak.get()); !checked) {
        return checked;
    }
    big_int z;
    return decode_scalar(sakke_curve, secrets.z, sakke_master_secret_size, "z", z.get());
}

// KPAK = [KSAK]G. The ECCSI API imports a KSAK without computing its KPAK, so the ECC layer computes it.
support::result<std::string> compute_kpak(std::string_view ksak) {
    auto random = rng();
    if (!random) {
        return std::move(random).err();
    }
    ecc_key_ptr key(wc_ecc_key_new(nullptr));
    if (!key) {
        return make_error(errc::internal, "wolfcrypt wc_ecc_key_new failed: out of memory");
    }
    if (int rc = wc_ecc_import_private_key_ex(octets(ksak), static_cast<word32>(ksak.size()), nullptr, 0, key.get(),
                                              p256.id);
        rc != 0) {
        return wolfcrypt_failure("wc_ecc_import_private_key_ex", rc);
    }
    auto kpak = new_point();
    if (!kpak) {
        return std::move(kpak).err();
    }
    if (int rc = wc_ecc_make_pub_ex(key.get(), kpak->get(), *random); rc != 0) {
        return wolfcrypt_failure("wc_ecc_make_pub_ex", rc);
    }
    return encode_point(p256, kpak->get());
}

// An ECCSI key holding a KMS's KSAK and KPAK, for issuing (SSK, PVT) pairs.
support::result<void> load_eccsi_kms_key(eccsi_key& key, std::string_view ksak) {
    auto kpak = compute_kpak(ksak);
    if (!kpak) {
        return std::move(kpak).err();
    }
    secret_buffer<3 * 32> encoded; // KSAK || KPAK x || KPAK y
    std::memcpy(encoded.data(), ksak.data(), 32);
    std::memcpy(encoded.data() + 32, kpak->data() + 1, 64);
    if (int rc = wc_ImportEccsiKey(key.get(), encoded.data(), static_cast<word32>(encoded.size())); rc != 0) {
        return wolfcrypt_failure("wc_ImportEccsiKey", rc);
    }
    return {};
}

// KMS public keys (KPAK, Z_T) that passed every check lately, as octets. Checking one again costs a scalar
// multiplication by the group order (about 0.1 ms for a KPAK, several for a Z_T) for every message signed or
// encapsulated under the same KMS, which clients and application servers see over and over.
class checked_public_keys {
public:
    bool contains(std::string_view key) {
        std::lock_guard lock(mutex_);
        return std::find(recent_.begin(), recent_.end(), key) != recent_.end();
    }
    void add(std::string_view key) {
        std::lock_guard lock(mutex_);
        if (std::find(recent_.begin(), recent_.end(), key) != recent_.end()) {
            return;
        }
        recent_.emplace_front(key);
        if (recent_.size() > kept) {
            recent_.pop_back();
        }
    }

private:
    static constexpr std::size_t kept = 16;
    std::mutex mutex_;
    std::deque<std::string> recent_;
};

checked_public_keys& checked_keys() {
    static checked_public_keys keys;
    return keys;
}

// A KMS public key into a wolfcrypt key: checked (on the curve, then wc_ecc_check_key on import, which includes the
// order) unless these octets were checked lately.
template <typename import_function>
support::result<void> load_public_key(const curve& c, std::string_view encoded, const char* what,
                                      import_function import) {
    if (checked_keys().contains(encoded)) {
        if (int rc = import(1); rc != 0) {
            return wolfcrypt_failure(what, rc);
        }
        return {};
    }
    auto point = new_point();
    if (!point) {
        return std::move(point).err();
    }
    if (auto decoded = decode_point(c, encoded, what, point->get()); !decoded) {
        return decoded;
    }
    if (int rc = import(0); rc != 0) {
        return invalid(std::string(what) + ": refused by wolfcrypt (" + wc_GetErrorString(rc) + ")");
    }
    checked_keys().add(encoded);
    return {};
}

support::result<void> load_kpak(eccsi_key& key, std::string_view kpak) {
    return load_public_key(p256, kpak, "KPAK", [&](int trusted) {
        return wc_ImportEccsiPublicKey(key.get(), octets(kpak), static_cast<word32>(kpak.size()), trusted);
    });
}

support::result<void> load_z_t(sakke_key& key, std::string_view z_t) {
    return load_public_key(sakke_curve, z_t, "Z_T", [&](int trusted) {
        return wc_ImportSakkePublicKey(key.get(), octets(z_t), static_cast<word32>(z_t.size()), trusted);
    });
}

// The receivers decapsulated for lately, prepared (sakke_receiver.hpp): preparing costs about as much as a few
// decapsulations, and a client decapsulates for the same one or two keys again and again. Found by a digest of what
// they were prepared from, so the cache holds no RSK.
support::result<std::shared_ptr<const sakke_receiver>> prepared_receiver(std::string_view z_t, std::string_view uid,
                                                                         std::string_view rsk) {
    constexpr std::size_t kept = 4;
    struct entry {
        std::array<byte, WC_SHA256_DIGEST_SIZE> key;
        std::shared_ptr<const sakke_receiver> receiver;
    };
    static std::mutex mutex;
    static std::deque<entry> recent; // most recently used first

    std::array<byte, WC_SHA256_DIGEST_SIZE> key{};
    wc_Sha256 sha;
    const std::array<byte, 2> uid_size{static_cast<byte>(uid.size() >> 8), static_cast<byte>(uid.size())};
    if (wc_InitSha256(&sha) != 0 || wc_Sha256Update(&sha, octets(z_t), static_cast<word32>(z_t.size())) != 0 ||
        wc_Sha256Update(&sha, uid_size.data(), uid_size.size()) != 0 ||
        wc_Sha256Update(&sha, octets(uid), static_cast<word32>(uid.size())) != 0 ||
        wc_Sha256Update(&sha, octets(rsk), static_cast<word32>(rsk.size())) != 0 || wc_Sha256Final(&sha, key.data()) != 0) {
        wc_Sha256Free(&sha);
        return make_error(errc::internal, "wolfcrypt SHA-256 failed");
    }
    wc_Sha256Free(&sha);
    {
        std::lock_guard lock(mutex);
        for (auto it = recent.begin(); it != recent.end(); ++it) {
            if (it->key == key) {
                entry found = *it;
                recent.erase(it);
                recent.push_front(found);
                return found.receiver;
            }
        }
    }
    // Checked once here rather than for every message: the RSK on the curve, Z_T of order q.
    auto rsk_point = new_point();
    if (!rsk_point) {
        return std::move(rsk_point).err();
    }
    if (auto decoded = decode_point(sakke_curve, rsk, "RSK", rsk_point->get()); !decoded) {
        return std::move(decoded).err();
    }
    sakke_key checked;
    if (auto initialised = checked.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_z_t(checked, z_t); !loaded) {
        return std::move(loaded).err();
    }
    auto prepared = sakke_receiver::prepare(z_t, uid, rsk);
    if (!prepared) {
        return prepared;
    }
    std::lock_guard lock(mutex);
    recent.push_front({key, *prepared});
    if (recent.size() > kept) {
        recent.pop_back();
    }
    return prepared;
}

support::result<void> load_z(sakke_key& key, std::string_view z) {
    if (int rc = wc_ImportSakkePrivateKey(key.get(), octets(z), static_cast<word32>(z.size())); rc != 0) {
        return wolfcrypt_failure("wc_ImportSakkePrivateKey", rc);
    }
    return {};
}

// RFC 6507 5.1.2 on decoded keys. unauthenticated when [SSK]G != [HS]PVT + KPAK.
support::result<void> validate_pair(eccsi_key& key, std::string_view uid, mp_int* ssk, ecc_point* pvt) {
    int valid = 0;
    int rc = wc_ValidateEccsiPair(key.get(), hash_type, octets(uid), static_cast<word32>(uid.size()), ssk, pvt, &valid);
    if (rc == IS_POINT_E) {
        return invalid("PVT: not a point of P-256");
    }
    if (rc != 0) {
        return wolfcrypt_failure("wc_ValidateEccsiPair", rc);
    }
    if (valid != 1) {
        return make_error(errc::unauthenticated,
                          "the SSK and PVT do not validate for this identifier under this KPAK (RFC 6507 5.1.2)");
    }
    return {};
}

// The empty message still needs a non-null pointer: wolfcrypt refuses a null one.
const byte* message_octets(std::string_view message) {
    static const byte none = 0;
    return message.empty() ? &none : octets(message);
}

} // namespace

support::result<master_secrets> generate_master_secrets() {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    auto random = rng();
    if (!random) {
        return std::move(random).err();
    }
    master_secrets secrets;

    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (int rc = wc_MakeEccsiKey(eccsi.get(), *random); rc != 0) {
        return wolfcrypt_failure("wc_MakeEccsiKey", rc);
    }
    secret_buffer<ksak_size> ksak;
    word32 ksak_length = static_cast<word32>(ksak.size());
    if (int rc = wc_ExportEccsiPrivateKey(eccsi.get(), ksak.data(), &ksak_length); rc != 0) {
        return wolfcrypt_failure("wc_ExportEccsiPrivateKey", rc);
    }
    secrets.ksak = to_string(ksak.data(), ksak_length);

    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (int rc = wc_MakeSakkeKey(sakke.get(), *random); rc != 0) {
        return wolfcrypt_failure("wc_MakeSakkeKey", rc);
    }
    secret_buffer<sakke_master_secret_size> z;
    word32 z_length = static_cast<word32>(z.size());
    if (int rc = wc_ExportSakkePrivateKey(sakke.get(), z.data(), &z_length); rc != 0) {
        return wolfcrypt_failure("wc_ExportSakkePrivateKey", rc);
    }
    secrets.z = to_string(z.data(), z_length);

    if (secrets.ksak.size() != ksak_size || secrets.z.size() != sakke_master_secret_size) {
        return make_error(errc::internal, "wolfcrypt exported master secrets of an unexpected size");
    }
    return secrets;
}

support::result<public_keys> derive_public_keys(const master_secrets& secrets) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_master_secrets(secrets); !checked) {
        return std::move(checked).err();
    }
    public_keys keys;

    auto kpak = compute_kpak(secrets.ksak);
    if (!kpak) {
        return std::move(kpak).err();
    }
    keys.kpak = std::move(*kpak);

    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_z(sakke, secrets.z); !loaded) {
        return std::move(loaded).err();
    }
    auto z_t = new_point();
    if (!z_t) {
        return std::move(z_t).err();
    }
    if (int rc = wc_MakeSakkePublicKey(sakke.get(), z_t->get()); rc != 0) {
        return wolfcrypt_failure("wc_MakeSakkePublicKey", rc);
    }
    auto encoded = encode_point(sakke_curve, z_t->get());
    if (!encoded) {
        return std::move(encoded).err();
    }
    keys.z_t = std::move(*encoded);
    return keys;
}

support::result<user_keys> issue_user_keys(const master_secrets& secrets, std::string_view uid) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_uid(uid); !checked) {
        return std::move(checked).err();
    }
    if (auto checked = check_master_secrets(secrets); !checked) {
        return std::move(checked).err();
    }
    auto random = rng();
    if (!random) {
        return std::move(random).err();
    }
    user_keys keys;

    // RFC 6508 6.1.1: RSK = [(a + z)^-1]P, a the identifier as an integer.
    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_z(sakke, secrets.z); !loaded) {
        return std::move(loaded).err();
    }
    auto rsk = new_point();
    if (!rsk) {
        return std::move(rsk).err();
    }
    if (int rc = wc_MakeSakkeRsk(sakke.get(), octets(uid), static_cast<word16>(uid.size()), rsk->get()); rc != 0) {
        return wolfcrypt_failure("wc_MakeSakkeRsk", rc);
    }
    secret_buffer<rsk_size> rsk_octets;
    word32 rsk_length = static_cast<word32>(rsk_octets.size());
    if (int rc = wc_EncodeSakkeRsk(sakke.get(), rsk->get(), rsk_octets.data(), &rsk_length, 0); rc != 0) {
        return wolfcrypt_failure("wc_EncodeSakkeRsk", rc);
    }
    keys.rsk = to_string(rsk_octets.data(), rsk_length);

    // RFC 6507 5.1.1: a fresh v, PVT = [v]G, SSK = KSAK + HS * v mod q.
    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_eccsi_kms_key(eccsi, secrets.ksak); !loaded) {
        return std::move(loaded).err();
    }
    big_int ssk;
    auto pvt = new_point();
    if (!pvt) {
        return std::move(pvt).err();
    }
    if (int rc = wc_MakeEccsiPair(eccsi.get(), *random, hash_type, octets(uid), static_cast<word32>(uid.size()),
                                  ssk.get(), pvt->get());
        rc != 0) {
        return wolfcrypt_failure("wc_MakeEccsiPair", rc);
    }
    secret_buffer<ssk_size> ssk_octets;
    word32 ssk_length = static_cast<word32>(ssk_octets.size());
    if (int rc = wc_EncodeEccsiSsk(eccsi.get(), ssk.get(), ssk_octets.data(), &ssk_length); rc != 0) {
        return wolfcrypt_failure("wc_EncodeEccsiSsk", rc);
    }
    keys.ssk = to_string(ssk_octets.data(), ssk_length);
    std::array<byte, pvt_size> pvt_octets{};
    word32 pvt_length = static_cast<word32>(pvt_octets.size());
    if (int rc = wc_EncodeEccsiPvt(eccsi.get(), pvt->get(), pvt_octets.data(), &pvt_length, 0); rc != 0) {
        return wolfcrypt_failure("wc_EncodeEccsiPvt", rc);
    }
    keys.pvt = to_string(pvt_octets.data(), pvt_length);

    if (keys.rsk.size() != rsk_size || keys.ssk.size() != ssk_size || keys.pvt.size() != pvt_size) {
        return make_error(errc::internal, "wolfcrypt encoded user keys of an unexpected size");
    }
    return keys;
}

support::result<void> validate_receiver_key(const public_keys& kms, std::string_view uid, std::string_view rsk) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return ready;
    }
    if (auto checked = check_uid(uid); !checked) {
        return checked;
    }
    auto rsk_point = new_point();
    if (!rsk_point) {
        return std::move(rsk_point).err();
    }
    if (auto decoded = decode_point(sakke_curve, rsk, "RSK", rsk_point->get()); !decoded) {
        return decoded;
    }
    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return initialised;
    }
    if (auto loaded = load_z_t(sakke, kms.z_t); !loaded) {
        return loaded;
    }
    int valid = 0;
    if (int rc =
            wc_ValidateSakkeRsk(sakke.get(), octets(uid), static_cast<word16>(uid.size()), rsk_point->get(), &valid);
        rc != 0) {
        return wolfcrypt_failure("wc_ValidateSakkeRsk", rc);
    }
    if (valid != 1) {
        return make_error(errc::unauthenticated,
                          "the RSK does not validate for this identifier under this Z_T (RFC 6508 6.1.2)");
    }
    return {};
}

support::result<void> validate_signing_keys(const public_keys& kms, std::string_view uid, std::string_view ssk,
                                            std::string_view pvt) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return ready;
    }
    if (auto checked = check_uid(uid); !checked) {
        return checked;
    }
    big_int ssk_value;
    if (auto decoded = decode_scalar(p256, ssk, ssk_size, "SSK", ssk_value.get()); !decoded) {
        return decoded;
    }
    auto pvt_point = new_point();
    if (!pvt_point) {
        return std::move(pvt_point).err();
    }
    if (auto decoded = decode_point(p256, pvt, "PVT", pvt_point->get()); !decoded) {
        return decoded;
    }
    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return initialised;
    }
    if (auto loaded = load_kpak(eccsi, kms.kpak); !loaded) {
        return loaded;
    }
    return validate_pair(eccsi, uid, ssk_value.get(), pvt_point->get());
}

support::result<std::string> eccsi_identifier_hash(const public_keys& kms, std::string_view uid, std::string_view pvt) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_uid(uid); !checked) {
        return std::move(checked).err();
    }
    auto pvt_point = new_point();
    if (!pvt_point) {
        return std::move(pvt_point).err();
    }
    if (auto decoded = decode_point(p256, pvt, "PVT", pvt_point->get()); !decoded) {
        return std::move(decoded).err();
    }
    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_kpak(eccsi, kms.kpak); !loaded) {
        return std::move(loaded).err();
    }
    std::array<byte, WC_MAX_DIGEST_SIZE> hs{};
    byte hs_length = static_cast<byte>(hs.size());
    if (int rc = wc_HashEccsiId(eccsi.get(), hash_type, octets(uid), static_cast<word32>(uid.size()), pvt_point->get(),
                                hs.data(), &hs_length);
        rc != 0) {
        return wolfcrypt_failure("wc_HashEccsiId", rc);
    }
    return to_string(hs.data(), hs_length);
}

support::result<std::string> eccsi_sign(const public_keys& kms, std::string_view uid, const user_keys& keys,
                                        std::string_view message) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_uid(uid); !checked) {
        return std::move(checked).err();
    }
    if (message.size() > std::numeric_limits<word32>::max()) {
        return invalid("message: too long to sign");
    }
    big_int ssk;
    if (auto decoded = decode_scalar(p256, keys.ssk, ssk_size, "SSK", ssk.get()); !decoded) {
        return std::move(decoded).err();
    }
    auto pvt = new_point();
    if (!pvt) {
        return std::move(pvt).err();
    }
    if (auto decoded = decode_point(p256, keys.pvt, "PVT", pvt->get()); !decoded) {
        return std::move(decoded).err();
    }
    auto random = rng();
    if (!random) {
        return std::move(random).err();
    }
    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_kpak(eccsi, kms.kpak); !loaded) {
        return std::move(loaded).err();
    }
    if (auto validated = validate_pair(eccsi, uid, ssk.get(), pvt->get()); !validated) {
        return std::move(validated).err();
    }
    // HS = hash(G || KPAK || ID || PVT), kept in the key for wc_SignEccsiHash, which hashes HS || r || M itself.
    std::array<byte, WC_MAX_DIGEST_SIZE> hs{};
    byte hs_length = static_cast<byte>(hs.size());
    if (int rc = wc_HashEccsiId(eccsi.get(), hash_type, octets(uid), static_cast<word32>(uid.size()), pvt->get(),
                                hs.data(), &hs_length);
        rc != 0) {
        return wolfcrypt_failure("wc_HashEccsiId", rc);
    }
    if (int rc = wc_SetEccsiPair(eccsi.get(), ssk.get(), pvt->get()); rc != 0) {
        return wolfcrypt_failure("wc_SetEccsiPair", rc);
    }
    std::array<byte, eccsi_signature_size> signature{};
    word32 signature_length = static_cast<word32>(signature.size());
    if (int rc = wc_SignEccsiHash(eccsi.get(), *random, hash_type, message_octets(message),
                                  static_cast<word32>(message.size()), signature.data(), &signature_length);
        rc != 0) {
        return wolfcrypt_failure("wc_SignEccsiHash", rc);
    }
    if (signature_length != eccsi_signature_size) {
        return make_error(errc::internal, "wolfcrypt produced a signature of an unexpected size");
    }
    return to_string(signature.data(), signature_length);
}

support::result<void> eccsi_verify(const public_keys& kms, std::string_view uid, std::string_view message,
                                   std::string_view signature) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return ready;
    }
    if (auto checked = check_uid(uid); !checked) {
        return checked;
    }
    if (message.size() > std::numeric_limits<word32>::max()) {
        return invalid("message: too long to verify");
    }
    if (signature.size() != eccsi_signature_size) {
        return invalid(size_message("signature", eccsi_signature_size, signature.size()));
    }
    // wolfcrypt 5.5.4 checks neither r nor s: r = s = 0 makes J the point at infinity, whose x (0) equals r, and
    // wc_VerifyEccsiHash accepts that signature for any message and identifier. So both are checked here first.
    big_int r;
    if (auto decoded = decode_scalar(p256, signature.substr(0, 32), 32, "signature r", r.get()); !decoded) {
        return decoded;
    }
    big_int s;
    if (auto decoded = decode_scalar(p256, signature.substr(32, 32), 32, "signature s", s.get()); !decoded) {
        return decoded;
    }
    auto pvt = new_point();
    if (!pvt) {
        return std::move(pvt).err();
    }
    if (auto decoded = decode_point(p256, signature.substr(64), "signature PVT", pvt->get()); !decoded) {
        return decoded;
    }
    eccsi_key eccsi;
    if (auto initialised = eccsi.init(); !initialised) {
        return initialised;
    }
    if (auto loaded = load_kpak(eccsi, kms.kpak); !loaded) {
        return loaded;
    }
    // HS from the signer's identifier and the PVT the signature carries.
    std::array<byte, WC_MAX_DIGEST_SIZE> hs{};
    byte hs_length = static_cast<byte>(hs.size());
    if (int rc = wc_HashEccsiId(eccsi.get(), hash_type, octets(uid), static_cast<word32>(uid.size()), pvt->get(),
                                hs.data(), &hs_length);
        rc != 0) {
        return wolfcrypt_failure("wc_HashEccsiId", rc);
    }
    int verified = 0;
    if (int rc =
            wc_VerifyEccsiHash(eccsi.get(), hash_type, message_octets(message), static_cast<word32>(message.size()),
                               octets(signature), static_cast<word32>(signature.size()), &verified);
        rc != 0) {
        return wolfcrypt_failure("wc_VerifyEccsiHash", rc);
    }
    if (verified != 1) {
        return make_error(errc::unauthenticated,
                          "the signature does not verify for this identifier under this KPAK (RFC 6507 5.2.2)");
    }
    return {};
}

support::result<sakke_encapsulation> sakke_encapsulate(const public_keys& receiver_kms, std::string_view uid,
                                                       std::string_view ssv) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_uid(uid); !checked) {
        return std::move(checked).err();
    }
    if (ssv.size() != ssv_size) {
        return invalid(size_message("SSV", ssv_size, ssv.size()));
    }
    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return std::move(initialised).err();
    }
    if (auto loaded = load_z_t(sakke, receiver_kms.z_t); !loaded) {
        return std::move(loaded).err();
    }
    if (int rc = wc_SetSakkeIdentity(sakke.get(), octets(uid), static_cast<word16>(uid.size())); rc != 0) {
        return wolfcrypt_failure("wc_SetSakkeIdentity", rc);
    }
    // In: the SSV. Out: H = SSV XOR HashToIntegerRange(g^r, 2^n). R_(b,S) goes to `auth`.
    secret_buffer<ssv_size> h;
    std::memcpy(h.data(), ssv.data(), ssv_size);
    std::array<byte, rsk_size> r{};
    word16 r_length = static_cast<word16>(r.size());
    if (int rc = wc_MakeSakkeEncapsulatedSSV(sakke.get(), hash_type, h.data(), static_cast<word16>(h.size()), r.data(),
                                             &r_length);
        rc != 0) {
        return wolfcrypt_failure("wc_MakeSakkeEncapsulatedSSV", rc);
    }
    if (r_length != rsk_size) {
        return make_error(errc::internal, "wolfcrypt produced an R_(b,S) of an unexpected size");
    }
    sakke_encapsulation out;
    out.ssv = std::string(ssv);
    out.encapsulated = to_string(r.data(), r_length) + to_string(h.data(), h.size());
    return out;
}

support::result<sakke_encapsulation> sakke_encapsulate(const public_keys& receiver_kms, std::string_view uid) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    auto random = rng();
    if (!random) {
        return std::move(random).err();
    }
    sakke_key sakke;
    if (auto initialised = sakke.init(); !initialised) {
        return std::move(initialised).err();
    }
    secret_buffer<ssv_size> ssv;
    word16 ssv_length = static_cast<word16>(ssv.size());
    if (int rc = wc_GenerateSakkeSSV(sakke.get(), *random, ssv.data(), &ssv_length); rc != 0) {
        return wolfcrypt_failure("wc_GenerateSakkeSSV", rc);
    }
    std::string fresh = to_string(ssv.data(), ssv_length);
    auto out = sakke_encapsulate(receiver_kms, uid, fresh);
    std::fill(fresh.begin(), fresh.end(), '\0');
    return out;
}

support::result<std::string> sakke_decapsulate(const public_keys& receiver_kms, std::string_view uid,
                                               std::string_view rsk, std::string_view encapsulated) {
    if (auto ready = ensure_wolfcrypt(); !ready) {
        return std::move(ready).err();
    }
    if (auto checked = check_uid(uid); !checked) {
        return std::move(checked).err();
    }
    if (encapsulated.size() != sakke_encapsulated_size) {
        return invalid(size_message("encapsulated data", sakke_encapsulated_size, encapsulated.size()));
    }
    const std::string_view r = encapsulated.substr(0, rsk_size);
    auto r_point = new_point();
    if (!r_point) {
        return std::move(r_point).err();
    }
    if (auto decoded = decode_point(sakke_curve, r, "R_(b,S)", r_point->get()); !decoded) {
        return std::move(decoded).err();
    }
    try { // the receiver throws only when memory, SHA-256 or the random generator fails
        auto receiver = prepared_receiver(receiver_kms.z_t, uid, rsk);
        if (!receiver) {
            return std::move(receiver).err();
        }
        return (*receiver)->decapsulate(encapsulated);
    } catch (const std::exception& e) {
        return make_error(errc::internal, std::string("SAKKE decapsulation failed: ") + e.what());
    }
}

} // namespace mcprov::mikey
