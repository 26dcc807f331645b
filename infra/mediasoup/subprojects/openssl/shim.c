/* link_whole needs a static library; the code is Debian's libssl3. */
int ms_openssl_shim_dummy = 0;
