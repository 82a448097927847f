// note_open: checks a signed note with the reference implementation of
// C2SP signed notes (golang.org/x/mod/sumdb/note, Debian's
// golang-golang-x-mod-dev), to prove that ecod's signed tree heads verify
// unchanged with standard transparency-log tools.
//
//	go run note_open.go CHECKPOINT-FILE VERIFIER-KEY
//
// Prints the verified text and exits 0, or prints why and exits 1.
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: note_open FILE VKEY")
		os.Exit(2)
	}
	msg, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	v, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Println("verifier key:", err)
		os.Exit(1)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fmt.Println("note:", err)
		os.Exit(1)
	}
	fmt.Print(n.Text)
}
