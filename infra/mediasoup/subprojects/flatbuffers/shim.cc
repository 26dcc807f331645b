// link_whole needs a static library; the code is Debian's flatbuffers.
int ms_flatbuffers_shim_dummy = 0;
