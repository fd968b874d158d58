package gen

import (
	"math/rand/v2"
	"strconv"
)

// handleWords are words people make an address of that says nothing of
// their name ("sunnyfox87"): nature, animals, pastimes, food.
var handleWords = []string{
	"sunny", "river", "maple", "blue", "summer", "quiet", "lucky", "golden", "silver", "happy",
	"wild", "ocean", "forest", "misty", "stormy", "rocky", "sandy", "breezy", "cozy", "rusty",
	"dusty", "frosty", "starry", "cosmic", "lunar", "solar", "ember", "cedar", "willow", "aspen",
	"birch", "clover", "daisy", "poppy", "lily", "ivy", "fern", "moss", "pebble", "canyon", "prairie",
	"harbor", "island", "meadow", "valley", "thunder", "lightning", "rainbow", "sparrow", "robin",
	"falcon", "hawk", "owl", "raven", "fox", "wolf", "bear", "otter", "beaver", "panda", "koala",
	"tiger", "lion", "puma", "lynx", "badger", "moose", "bison", "pony", "horse", "kitten", "puppy",
	"bunny", "turtle", "dolphin", "whale", "shark", "salmon", "trout", "marlin", "pirate", "ninja",
	"wizard", "knight", "ranger", "rider", "runner", "hiker", "skater", "surfer", "biker", "racer",
	"gamer", "coder", "baker", "chef", "farmer", "fisher", "hunter", "golfer", "sailor", "pilot",
	"rocket", "comet", "nova", "pixel", "turbo", "jazzy", "rocker", "banjo", "fiddle", "piano",
	"guitar", "drummer", "music", "dance", "movie", "book", "coffee", "cocoa", "mocha", "peach",
	"mango", "cherry", "berry", "lemon", "ginger", "honey", "sugar", "pepper", "olive", "apple",
	"melon",
}

// appendHandle appends a handle: one word or two, then mostly digits (a
// birth year in two or four digits, or others), as people who keep their
// name out of their address write it.
func appendHandle(r *rand.Rand, b []byte, born int) []byte {
	b = append(b, handleWords[r.IntN(len(handleWords))]...)
	if r.IntN(3) == 0 {
		b = append(b, handleWords[r.IntN(len(handleWords))]...)
	}
	switch x := r.IntN(100); {
	case x < 15:
		return b // no digits
	case x < 45:
		return append(b, byte('0'+born/10%10), byte('0'+born%10))
	case x < 55:
		return strconv.AppendInt(b, int64(born), 10)
	}
	return appendDigits(r, b, born)
}
