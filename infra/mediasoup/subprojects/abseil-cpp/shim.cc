// link_whole needs a static library; the code is Debian's abseil.
int ms_absl_shim_dummy = 0;
