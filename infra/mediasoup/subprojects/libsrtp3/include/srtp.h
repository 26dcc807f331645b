/*
 * libsrtp3-style API over Debian's libsrtp2 2.5, for mediasoup's worker (see srtp3_compat.c).
 * libsrtp2's own declarations of the functions whose signature changed in libsrtp3 are included
 * under hidden names; the libsrtp3 names are then mapped to the ms3_* implementations.
 */
#ifndef MS_SRTP3_COMPAT_H
#define MS_SRTP3_COMPAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define srtp_policy_t ms_srtp2_policy_t
#define srtp_create ms_srtp2_create_hidden
#define srtp_protect ms_srtp2_protect_hidden
#define srtp_unprotect ms_srtp2_unprotect_hidden
#define srtp_protect_rtcp ms_srtp2_protect_rtcp_hidden
#define srtp_unprotect_rtcp ms_srtp2_unprotect_rtcp_hidden
#include <srtp2/srtp.h>
#undef srtp_policy_t
#undef srtp_create
#undef srtp_protect
#undef srtp_unprotect
#undef srtp_protect_rtcp
#undef srtp_unprotect_rtcp
#ifdef __cplusplus
extern "C" {
#endif
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)
typedef struct ms3_srtp_policy *srtp_policy_t;
#define srtp_stream_remove srtp_remove_stream
#define srtp_policy_create ms3_srtp_policy_create
#define srtp_policy_destroy ms3_srtp_policy_destroy
#define srtp_policy_set_ssrc ms3_srtp_policy_set_ssrc
#define srtp_policy_set_profile ms3_srtp_policy_set_profile
#define srtp_policy_add_key ms3_srtp_policy_add_key
#define srtp_policy_set_allow_repeat_tx ms3_srtp_policy_set_allow_repeat_tx
#define srtp_policy_set_window_size ms3_srtp_policy_set_window_size
#define srtp_create ms3_srtp_create
#define srtp_protect ms3_srtp_protect
#define srtp_unprotect ms3_srtp_unprotect
#define srtp_protect_rtcp ms3_srtp_protect_rtcp
#define srtp_unprotect_rtcp ms3_srtp_unprotect_rtcp
srtp_err_status_t ms3_srtp_policy_create(srtp_policy_t *policy);
void ms3_srtp_policy_destroy(srtp_policy_t policy);
srtp_err_status_t ms3_srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc);
srtp_err_status_t ms3_srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile);
srtp_err_status_t ms3_srtp_policy_add_key(srtp_policy_t policy, const uint8_t *key, size_t key_len,
  const uint8_t *salt, size_t salt_len, const uint8_t *mki, size_t mki_len);
srtp_err_status_t ms3_srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow);
srtp_err_status_t ms3_srtp_policy_set_window_size(srtp_policy_t policy, size_t window_size);
srtp_err_status_t ms3_srtp_create(srtp_t *session, const srtp_policy_t policy);
srtp_err_status_t ms3_srtp_protect(srtp_t ctx, const uint8_t *rtp, size_t rtp_len, uint8_t *srtp,
  size_t *srtp_len, size_t mki_index);
srtp_err_status_t ms3_srtp_unprotect(srtp_t ctx, const uint8_t *srtp, size_t srtp_len, uint8_t *rtp,
  size_t *rtp_len);
srtp_err_status_t ms3_srtp_protect_rtcp(srtp_t ctx, const uint8_t *rtcp, size_t rtcp_len,
  uint8_t *srtcp, size_t *srtcp_len, size_t mki_index);
srtp_err_status_t ms3_srtp_unprotect_rtcp(srtp_t ctx, const uint8_t *srtcp, size_t srtcp_len,
  uint8_t *rtcp, size_t *rtcp_len);
#ifdef __cplusplus
}
#endif
#endif
