// SPDX-License-Identifier: Apache-2.0
// A Go workload for record_dwarf.sh: most of its time is in crypto/sha256's assembly block
// function, whose frame-pointer walk breaks (its vector path uses BP as data), under
// main.main -> main.hashLoop -> crypto/sha256.Sum256; the rest sorts. Runs ARGV[1] rounds.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strconv"
)

//go:noinline
func hashLoop(n int) [32]byte {
	var h [32]byte
	for i := 0; i < n; i++ {
		h = sha256.Sum256(h[:])
	}
	return h
}

//go:noinline
func sortLoop(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		a := make([]int, 1000)
		for j := range a {
			a[j] = (j * 7919) % 1000
		}
		sort.Ints(a)
		s += a[500]
	}
	return s
}

func main() {
	rounds := 10
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			rounds = v
		}
	}
	for k := 0; k < rounds; k++ {
		h := hashLoop(100000)
		fmt.Println(h[0], sortLoop(300))
	}
}
