package odpsauth

import "testing"

// BenchmarkAuthenticate measures the whole check of a Go SDK-style request
// (Parse, CheckTime, the lookup, Verify): v2 keys the HMAC with the
// secret, v4 first derives the key with four HMAC-SHA256.
func BenchmarkAuthenticate(b *testing.B) {
	for _, v := range []Version{V2, V4} {
		b.Run(v.String(), func(b *testing.B) {
			r := postInstance()
			var err error
			if v == V2 {
				err = SignV2(r, testPrefix, stsCreds, testNow)
			} else {
				err = SignV4(r, testPrefix, stsCreds, "cn-hangzhou", testNow)
			}
			if err != nil {
				b.Fatal(err)
			}
			lookup := func(*Signed) (string, error) { return stsCreds.AccessKeySecret, nil }
			b.ReportAllocs()
			for b.Loop() {
				s, err := Authenticate(r, testPrefix, testNow, lookup)
				if err != nil || s.AccessKeyID != stsCreds.AccessKeyID {
					b.Fatal(err)
				}
			}
		})
	}
}
