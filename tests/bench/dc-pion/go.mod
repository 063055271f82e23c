// Built in GOPATH mode against Debian's packaged Pion sources (see
// ../build_dc_pion.py): this file only marks the package directory.
module rtcd.test/dc-pion

go 1.19
