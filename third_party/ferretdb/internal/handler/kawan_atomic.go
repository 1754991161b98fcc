// Copyright 2021 FerretDB Inc.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package handler

import (
	"hash/maphash"
	"sync"

	"github.com/FerretDB/FerretDB/internal/types"
)

// Kawan patch 5 (see third_party/ferretdb/KAWAN.md): single-document atomicity.
//
// FerretDB v1 applies update, findAndModify and delete as read, change in memory, write back,
// in separate backend calls, so two concurrent $inc of one document could both read n and
// both write n+1, two compare-and-set updates of one version could both win, and two upserts
// of one key could both insert. MongoDB promises that every single-document write is atomic.
//
// The handler now serialises every read-modify-write on the documents it may touch, for the
// whole of each statement (one update statement of an update command, one findAndModify, one
// delete statement):
//   - a statement whose filter names exactly one _id (alone or with other conditions: the form
//     patch 2 pushes down) holds the collection's lock shared and that _id's stripe exclusively;
//   - any other statement (updateMany by a field, an upsert keyed by a field, …) holds the
//     collection's lock exclusively.
//
// Plain inserts take no lock: the unique _id index (and unique indexes) already decide between
// two of them. The locks live in the process that serves the SQLite files, which the embedded
// store alone opens, so they give the same guarantee as MongoDB to every client of it.
var kawanLocks struct {
	seed  maphash.Seed
	colls [64]sync.RWMutex
	docs  [1024]sync.Mutex
}

func init() { kawanLocks.seed = maphash.MakeSeed() }

// kawanLockStatement locks what one write statement on db.coll with filter may touch and
// returns the unlock.
func kawanLockStatement(db, coll string, filter *types.Document) func() {
	ns := db + "\x00" + coll
	cl := &kawanLocks.colls[maphash.String(kawanLocks.seed, ns)%uint64(len(kawanLocks.colls))]

	if id, ok := kawanSingleID(filter); ok {
		dl := &kawanLocks.docs[maphash.String(kawanLocks.seed, ns+"\x00"+id)%uint64(len(kawanLocks.docs))]
		cl.RLock()
		dl.Lock()

		return func() {
			dl.Unlock()
			cl.RUnlock()
		}
	}

	cl.Lock()

	return cl.Unlock
}

// kawanSingleID returns the one document _id a filter can match, as a lock key, when the
// filter has exactly one top-level _id key holding a plain value (not an operator document).
func kawanSingleID(filter *types.Document) (string, bool) {
	if filter == nil {
		return "", false
	}

	n := 0

	for _, k := range filter.Keys() {
		if k == "_id" {
			n++
		}
	}

	if n != 1 {
		return "", false
	}

	v, _ := filter.Get("_id")

	switch v := v.(type) {
	case string:
		return "s" + v, true
	case types.ObjectID:
		return "o" + string(v[:]), true
	case int32, int64, float64, bool, types.NullType:
		// numbers of different types may be equal (1 == 1.0): one key for all numbers is not
		// worth it here; such filters take the collection lock.
		return "", false
	default:
		return "", false
	}
}
