package cgfile

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// WriteHugetlb writes each limit to hugetlb.<size>.<limitFile>, and to
// hugetlb.<size>.rsvd.<limitFile> where the kernel has reservation
// accounting (5.7+): the spec asks for those too, as they also cover pages
// reserved but not yet faulted in. limitFile is "limit_in_bytes" on v1 and
// "max" on v2. A size the kernel has no file for is an error, not ignored.
func WriteHugetlb(dir, limitFile string, limits []specs.LinuxHugepageLimit) error {
	for _, l := range limits {
		// The size becomes part of a file name: no separators or dots.
		if l.Pagesize == "" || strings.ContainsAny(l.Pagesize, "/. \x00") {
			return fmt.Errorf("invalid hugepage size %q", l.Pagesize)
		}
		f := "hugetlb." + l.Pagesize + "." + limitFile
		if !Exists(dir, f) {
			return fmt.Errorf("hugepage size %s not supported: %s/%s missing", l.Pagesize, dir, f)
		}
		v := strconv.FormatUint(l.Limit, 10)
		if err := Write(dir, f, v); err != nil {
			return err
		}
		if rsvd := "hugetlb." + l.Pagesize + ".rsvd." + limitFile; Exists(dir, rsvd) {
			if err := Write(dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}
