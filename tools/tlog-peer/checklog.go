// check-log: verifies a Concord log exported by crates/concord-ledger/tests/go_peer.rs,
// using only golang.org/x/mod/sumdb/{note,tlog} and the Go standard library.
// Written for Concord (Apache-2.0).
//
// DIR holds:
//   vkey             the log's verifier key
//   checkpoint       the latest signed checkpoint
//   old-checkpoint   an earlier signed checkpoint
//   entries          the entry bundles concatenated (uint16 length || entry, per entry)
//   inclusion.json   [{"index": N, "size": S, "proof": [base64...]}]
//   consistency.json [{"old": M, "new": N, "old_root": base64, "proof": [base64...]}]
//   witness-vkey     a witness verifier key (type 0x04), and
//   cosigned         the latest checkpoint with the witness's cosignature/v1 line

package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func read(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fail("%v", err)
	}
	return b
}

// parseCheckpoint parses C2SP checkpoint text by hand (tlog.ParseTree only accepts the Go
// checksum database's origin).
func parseCheckpoint(text string) (string, int64, tlog.Hash) {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint has fewer than 3 lines: %q", text)
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != lines[1] {
		fail("bad size %q", lines[1])
	}
	r, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(r) != 32 {
		fail("bad root %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], r)
	return lines[0], n, h
}

func openCheckpoint(dir, name string, v note.Verifier) (string, int64, tlog.Hash) {
	n, err := note.Open(read(dir, name), note.VerifierList(v))
	if err != nil {
		fail("%s: %v", name, err)
	}
	return parseCheckpoint(n.Text)
}

func hashes(p []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range p {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			fail("bad proof hash %q", s)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

// cosignature/v1: key ID over name || "\n" || 0x04 || key; blob = key ID || u64 time || sig.
func checkCosignature(vkey string, cosigned []byte) {
	parts := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if len(parts) != 3 || err != nil || len(raw) != 33 || raw[0] != 4 {
		fail("bad witness key %q", vkey)
	}
	name, pub := parts[0], raw[1:]
	idInput := append([]byte(name+"\n"), raw...)
	sum := sha256.Sum256(idInput)
	keyID := binary.BigEndian.Uint32(sum[:4])
	if fmt.Sprintf("%08x", keyID) != parts[1] {
		fail("witness key ID mismatch")
	}
	i := bytes.LastIndex(cosigned, []byte("\n\n"))
	text := string(cosigned[:i+1])
	for _, line := range strings.Split(string(cosigned[i+2:]), "\n") {
		prefix := "\u2014 " + name + " "
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		blob, err := base64.StdEncoding.DecodeString(line[len(prefix):])
		if err != nil || len(blob) != 76 || binary.BigEndian.Uint32(blob[:4]) != keyID {
			continue
		}
		ts := binary.BigEndian.Uint64(blob[4:12])
		msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, text)
		if !ed25519.Verify(ed25519.PublicKey(pub), []byte(msg), blob[12:]) {
			fail("cosignature does not verify")
		}
		fmt.Println("cosignature/v1 by", name, "verifies, time", ts)
		return
	}
	fail("no cosignature by %s", name)
}

func checkLog(dir string) {
	v, err := note.NewVerifier(strings.TrimSpace(string(read(dir, "vkey"))))
	if err != nil {
		fail("vkey: %v", err)
	}
	origin, size, root := openCheckpoint(dir, "checkpoint", v)
	_, oldSize, oldRoot := openCheckpoint(dir, "old-checkpoint", v)
	fmt.Println("checkpoint verifies:", origin, size)

	// Recompute the tree from the entries.
	data := read(dir, "entries")
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			fail("truncated entries")
		}
		l := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+l {
			fail("truncated entry")
		}
		entries = append(entries, data[2:2+l])
		data = data[2+l:]
	}
	if int64(len(entries)) != size {
		fail("%d entries for checkpoint size %d", len(entries), size)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, reader)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, hs...)
	}
	th, err := tlog.TreeHash(size, reader)
	if err != nil || th != root {
		fail("recomputed root %v differs from the checkpoint (%v)", th, err)
	}
	oth, err := tlog.TreeHash(oldSize, reader)
	if err != nil || oth != oldRoot {
		fail("recomputed old root differs from the old checkpoint")
	}
	fmt.Println("tree recomputed from", len(entries), "entries matches the checkpoint")

	var incl []struct {
		Index int64    `json:"index"`
		Size  int64    `json:"size"`
		Proof []string `json:"proof"`
	}
	if err := json.Unmarshal(read(dir, "inclusion.json"), &incl); err != nil {
		fail("inclusion.json: %v", err)
	}
	for _, p := range incl {
		rh, err := tlog.TreeHash(p.Size, reader)
		if err != nil {
			fail("%v", err)
		}
		proof := hashes(p.Proof)
		if err := tlog.CheckRecord(proof, p.Size, rh, p.Index, tlog.RecordHash(entries[p.Index])); err != nil {
			fail("inclusion %d in %d: %v", p.Index, p.Size, err)
		}
		own, err := tlog.ProveRecord(p.Size, p.Index, reader)
		if err != nil || len(own) != len(proof) {
			fail("x/mod proof for %d in %d differs in length", p.Index, p.Size)
		}
		for i := range own {
			if own[i] != proof[i] {
				fail("x/mod proof for %d in %d differs at %d", p.Index, p.Size, i)
			}
		}
	}
	fmt.Println("inclusion proofs verify and equal x/mod's:", len(incl))

	var cons []struct {
		Old     int64    `json:"old"`
		New     int64    `json:"new"`
		OldRoot string   `json:"old_root"`
		Proof   []string `json:"proof"`
	}
	if err := json.Unmarshal(read(dir, "consistency.json"), &cons); err != nil {
		fail("consistency.json: %v", err)
	}
	for _, c := range cons {
		nh, err := tlog.TreeHash(c.New, reader)
		if err != nil {
			fail("%v", err)
		}
		oh := hashes([]string{c.OldRoot})[0]
		proof := hashes(c.Proof)
		if err := tlog.CheckTree(proof, c.New, nh, c.Old, oh); err != nil {
			fail("consistency %d -> %d: %v", c.Old, c.New, err)
		}
		own, err := tlog.ProveTree(c.New, c.Old, reader)
		if err != nil || len(own) != len(proof) {
			fail("x/mod consistency proof %d -> %d differs in length", c.Old, c.New)
		}
		for i := range own {
			if own[i] != proof[i] {
				fail("x/mod consistency proof %d -> %d differs at %d", c.Old, c.New, i)
			}
		}
	}
	fmt.Println("consistency proofs verify and equal x/mod's:", len(cons))

	checkCosignature(string(read(dir, "witness-vkey")), read(dir, "cosigned"))
	fmt.Println("concord log OK")
}
