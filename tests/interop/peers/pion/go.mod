// Built in GOPATH mode against Debian's packaged Pion sources (see README.md):
// this file only marks the package directory, it pins nothing.
module rtcd.test/pion-peer

go 1.19
