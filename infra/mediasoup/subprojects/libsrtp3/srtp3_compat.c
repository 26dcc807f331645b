/*
 * The libsrtp3 calls mediasoup's worker makes, implemented over libsrtp2 2.5:
 * - policies are opaque objects built by setters in libsrtp3; here a struct wrapping libsrtp2's
 *   srtp_policy_t and a copy of the key (key || salt, as libsrtp2 expects it);
 * - protect/unprotect take separate input and output buffers with size_t lengths and report a too
 *   small output buffer (libsrtp3) where libsrtp2 works in place on int lengths: the input is
 *   copied into the output buffer (which must leave room for the SRTP trailer) and processed there.
 * MKI is not supported (mediasoup uses none): a policy with an MKI is refused.
 */
#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define ERR_BUFFER_SMALL ((srtp_err_status_t)28)
struct ms3_srtp_policy { srtp_policy_t p; unsigned char key[64]; int have_profile; };
srtp_err_status_t ms3_srtp_policy_create(struct ms3_srtp_policy **policy) {
	if (!policy) return srtp_err_status_bad_param;
	*policy = calloc(1, sizeof(**policy));
	if (!*policy) return srtp_err_status_alloc_fail;
	(*policy)->p.window_size = 128;
	return srtp_err_status_ok;
}
void ms3_srtp_policy_destroy(struct ms3_srtp_policy *policy) {
	if (policy) { memset(policy->key, 0, sizeof(policy->key)); free(policy); }
}
srtp_err_status_t ms3_srtp_policy_set_ssrc(struct ms3_srtp_policy *policy, srtp_ssrc_t ssrc) {
	if (!policy) return srtp_err_status_bad_param;
	policy->p.ssrc = ssrc; return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_policy_set_profile(struct ms3_srtp_policy *policy, srtp_profile_t profile) {
	srtp_err_status_t err;
	if (!policy) return srtp_err_status_bad_param;
	if ((err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->p.rtp, profile)) != srtp_err_status_ok) return err;
	if ((err = srtp_crypto_policy_set_from_profile_for_rtcp(&policy->p.rtcp, profile)) != srtp_err_status_ok) return err;
	policy->have_profile = 1; return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_policy_add_key(struct ms3_srtp_policy *policy, const uint8_t *key, size_t key_len,
  const uint8_t *salt, size_t salt_len, const uint8_t *mki, size_t mki_len) {
	if (!policy || !key || (salt_len && !salt) || mki || mki_len) return srtp_err_status_bad_param;
	if (key_len + salt_len > sizeof(policy->key)) return srtp_err_status_bad_param;
	memcpy(policy->key, key, key_len);
	if (salt_len) memcpy(policy->key + key_len, salt, salt_len);
	policy->p.key = policy->key; return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_policy_set_allow_repeat_tx(struct ms3_srtp_policy *policy, bool allow) {
	if (!policy) return srtp_err_status_bad_param;
	policy->p.allow_repeat_tx = allow ? 1 : 0; return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_policy_set_window_size(struct ms3_srtp_policy *policy, size_t window_size) {
	if (!policy) return srtp_err_status_bad_param;
	policy->p.window_size = (unsigned long)window_size; return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_create(srtp_t *session, const struct ms3_srtp_policy *policy) {
	srtp_policy_t p;
	if (!session || !policy || !policy->have_profile || !policy->p.key) return srtp_err_status_bad_param;
	p = policy->p; p.next = NULL;
	return srtp_create(session, &p);
}
static srtp_err_status_t copy_in(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t extra) {
	if (in_len > (size_t)INT32_MAX) return srtp_err_status_bad_param;
	if (out_cap < in_len + extra) return ERR_BUFFER_SMALL;
	if (out != in) memmove(out, in, in_len);
	return srtp_err_status_ok;
}
srtp_err_status_t ms3_srtp_protect(srtp_t ctx, const uint8_t *rtp, size_t rtp_len, uint8_t *srtp, size_t *srtp_len, size_t mki_index) {
	srtp_err_status_t err; int len; (void)mki_index;
	if (!srtp_len) return srtp_err_status_bad_param;
	if ((err = copy_in(rtp, rtp_len, srtp, *srtp_len, SRTP_MAX_TRAILER_LEN)) != srtp_err_status_ok) return err;
	len = (int)rtp_len;
	if ((err = srtp_protect(ctx, srtp, &len)) == srtp_err_status_ok) *srtp_len = (size_t)len;
	return err;
}
srtp_err_status_t ms3_srtp_unprotect(srtp_t ctx, const uint8_t *srtp, size_t srtp_len, uint8_t *rtp, size_t *rtp_len) {
	srtp_err_status_t err; int len;
	if (!rtp_len) return srtp_err_status_bad_param;
	if ((err = copy_in(srtp, srtp_len, rtp, *rtp_len, 0)) != srtp_err_status_ok) return err;
	len = (int)srtp_len;
	if ((err = srtp_unprotect(ctx, rtp, &len)) == srtp_err_status_ok) *rtp_len = (size_t)len;
	return err;
}
srtp_err_status_t ms3_srtp_protect_rtcp(srtp_t ctx, const uint8_t *rtcp, size_t rtcp_len, uint8_t *srtcp, size_t *srtcp_len, size_t mki_index) {
	srtp_err_status_t err; int len; (void)mki_index;
	if (!srtcp_len) return srtp_err_status_bad_param;
	if ((err = copy_in(rtcp, rtcp_len, srtcp, *srtcp_len, SRTP_MAX_TRAILER_LEN + 4)) != srtp_err_status_ok) return err;
	len = (int)rtcp_len;
	if ((err = srtp_protect_rtcp(ctx, srtcp, &len)) == srtp_err_status_ok) *srtcp_len = (size_t)len;
	return err;
}
srtp_err_status_t ms3_srtp_unprotect_rtcp(srtp_t ctx, const uint8_t *srtcp, size_t srtcp_len, uint8_t *rtcp, size_t *rtcp_len) {
	srtp_err_status_t err; int len;
	if (!rtcp_len) return srtp_err_status_bad_param;
	if ((err = copy_in(srtcp, srtcp_len, rtcp, *rtcp_len, 0)) != srtp_err_status_ok) return err;
	len = (int)srtcp_len;
	if ((err = srtp_unprotect_rtcp(ctx, rtcp, &len)) == srtp_err_status_ok) *rtcp_len = (size_t)len;
	return err;
}
