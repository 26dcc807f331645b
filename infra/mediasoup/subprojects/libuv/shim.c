/* link_whole needs a static library; the code is Debian's libuv1. */
int ms_uv_shim_dummy = 0;
