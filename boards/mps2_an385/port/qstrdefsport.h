// Names the port's C code uses that are not identifiers (qstr MP_QSTR__slash_lib is "/lib").
// *FORMAT-OFF*
Q(/lib)
