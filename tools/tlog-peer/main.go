// tlog-peer: an independent reference verifier for Concord's transparency log,
// built only from Debian packages (golang-go, golang-golang-x-mod-dev).
//
// It checks
//   - the official signed-note vectors (C2SP signed-note example, x/mod note example)
//     with golang.org/x/mod/sumdb/note,
//   - that re-signing is deterministic (empty-tree checkpoint signed with the x/mod
//     example key; compare with vectors/note/README.md),
//   - every transparency-dev JSON vector under <vectors>/inclusion and
//     <vectors>/consistency with golang.org/x/mod/sumdb/tlog, applying the edge-case
//     rules of specs/transparency-log.md section 2.3 before calling x/mod.
//
// Usage (see README.md in this folder):
//   GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlog-peer .
//   ./tlog-peer ../../vectors/merkle
//
// Expected: both notes verify, 98/98 inclusion and 98/98 consistency vectors agree.
//
// Concord's copy adds (see checklog.go) a second mode, `tlog-peer check-log DIR`, which
// verifies a log exported by Concord's test: checkpoint signature, tree recomputed from
// the entry bundles, inclusion and consistency proofs, and a witness cosignature. The
// vectors mode now exits with status 1 on any disagreement.

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type incl struct {
	LeafIdx  uint64   `json:"leafIdx"`
	TreeSize int64    `json:"treeSize"`
	Root     []byte   `json:"root"`
	LeafHash []byte   `json:"leafHash"`
	Proof    [][]byte `json:"proof"`
	WantErr  bool     `json:"wantErr"`
}
type cons struct {
	Size1, Size2 int64
	Root1, Root2 []byte
	Proof        [][]byte
	WantErr      bool `json:"wantErr"`
}

func h(b []byte) (x tlog.Hash) { copy(x[:], b); return }
func hs(p [][]byte) (r []tlog.Hash) {
	for _, b := range p {
		r = append(r, h(b))
	}
	return
}

func main() {
	// 1. signed-note vector from x/mod docs
	vkey := "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
	msg := "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	v, _ := note.NewVerifier(vkey)
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		fmt.Println("note.Open PeterNeumann: false", err)
	} else {
		fmt.Println("note.Open PeterNeumann:", true, len(n.Sigs))
	}
	// C2SP signed-note example
	v2, err := note.NewVerifier("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
	_, err = note.Open([]byte("This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"), note.VerifierList(v2))
	fmt.Println("note.Open C2SP example.com/foo:", err == nil, err)
	// signer determinism
	s, _ := note.NewSigner("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
	out, _ := note.Sign(&note.Note{Text: "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, s)
	fmt.Printf("checkpoint signed by PeterNeumann key:\n%s", out)
	_ = base64.StdEncoding

	// 2. transparency-dev/merkle testdata
	if len(os.Args) < 2 {
		fmt.Println("usage: tlog-peer VECTORS_DIR | tlog-peer check-log DIR")
		os.Exit(2)
	}
	if os.Args[1] == "check-log" && len(os.Args) == 3 {
		checkLog(os.Args[2])
		return
	}
	failed := false
	root := os.Args[1]
	ok, bad := 0, 0
	filepath.Walk(filepath.Join(root, "inclusion"), func(p string, fi os.FileInfo, e error) error {
		if !strings.HasSuffix(p, ".json") {
			return nil
		}
		var t incl
		b, _ := os.ReadFile(p)
		json.Unmarshal(b, &t)
		var err error
		if len(t.Root) != 32 || len(t.LeafHash) != 32 || t.TreeSize <= 0 || t.LeafIdx >= uint64(t.TreeSize) {
			err = fmt.Errorf("malformed")
		} else {
			for _, x := range t.Proof {
				if len(x) != 32 {
					err = fmt.Errorf("bad len")
				}
			}
			if err == nil {
				err = tlog.CheckRecord(hs(t.Proof), t.TreeSize, h(t.Root), int64(t.LeafIdx), h(t.LeafHash))
			}
		}
		if (err != nil) == t.WantErr {
			ok++
		} else {
			bad++
			fmt.Println("MISMATCH", p, err)
		}
		return nil
	})
	fmt.Println("inclusion vectors agree:", ok, "disagree:", bad)
	failed = failed || bad > 0 || ok != 98
	ok, bad = 0, 0
	filepath.Walk(filepath.Join(root, "consistency"), func(p string, fi os.FileInfo, e error) error {
		if !strings.HasSuffix(p, ".json") {
			return nil
		}
		var t cons
		b, _ := os.ReadFile(p)
		json.Unmarshal(b, &t)
		var err error
		if t.Size1 == t.Size2 && t.Size1 > 0 {
			if len(t.Proof) != 0 || string(t.Root1) != string(t.Root2) {
				err = fmt.Errorf("eq")
			}
		} else if len(t.Root1) != 32 || len(t.Root2) != 32 || t.Size1 <= 0 || t.Size2 < t.Size1 {
			err = fmt.Errorf("malformed")
		} else {
			for _, x := range t.Proof {
				if len(x) != 32 {
					err = fmt.Errorf("bad len")
				}
			}
			if err == nil {
				err = tlog.CheckTree(hs(t.Proof), t.Size2, h(t.Root2), t.Size1, h(t.Root1))
			}
		}
		if (err != nil) == t.WantErr {
			ok++
		} else {
			bad++
			fmt.Println("MISMATCH", p, err)
		}
		return nil
	})
	fmt.Println("consistency vectors agree:", ok, "disagree:", bad)
	failed = failed || bad > 0 || ok != 98
	fmt.Println("tile path for L0 N1234067 W5:", tlog.Tile{H: 8, L: 0, N: 1234067, W: 5}.Path())
	if failed {
		os.Exit(1)
	}
}
