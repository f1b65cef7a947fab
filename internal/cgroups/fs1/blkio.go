package fs1

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-runtime/hull/internal/cgroups/cgfile"
)

func blkioNeeded(b *specs.LinuxBlockIO) bool {
	return b != nil && (b.Weight != nil || b.LeafWeight != nil || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

// weightFile picks the CFQ file (blkio.weight) or, on kernels where CFQ is
// gone (>= 5.0) and BFQ provides weights, blkio.bfq.weight.
func weightFile(dir, cfq, bfq string) (string, error) {
	if cgfile.Exists(dir, cfq) {
		return cfq, nil
	}
	if bfq != "" && cgfile.Exists(dir, bfq) {
		return bfq, nil
	}
	return "", fmt.Errorf("blkio weight requested but %s has neither %s nor %s (no CFQ/BFQ scheduler)", dir, cfq, bfq)
}

func setBlkio(dir string, b *specs.LinuxBlockIO) error {
	if b.Weight != nil && *b.Weight != 0 {
		f, err := weightFile(dir, "blkio.weight", "blkio.bfq.weight")
		if err != nil {
			return err
		}
		if err := cgfile.Write(dir, f, u64(uint64(*b.Weight))); err != nil {
			return err
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		if err := cgfile.Write(dir, "blkio.leaf_weight", u64(uint64(*b.LeafWeight))); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if wd.Weight != nil {
			f, err := weightFile(dir, "blkio.weight_device", "blkio.bfq.weight_device")
			if err != nil {
				return err
			}
			if err := cgfile.Write(dir, f, fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.Weight)); err != nil {
				return err
			}
		}
		if wd.LeafWeight != nil {
			if err := cgfile.Write(dir, "blkio.leaf_weight_device", fmt.Sprintf("%d:%d %d", wd.Major, wd.Minor, *wd.LeafWeight)); err != nil {
				return err
			}
		}
	}
	throttles := []struct {
		file string
		devs []specs.LinuxThrottleDevice
	}{
		{"blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice},
		{"blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice},
		{"blkio.throttle.read_iops_device", b.ThrottleReadIOPSDevice},
		{"blkio.throttle.write_iops_device", b.ThrottleWriteIOPSDevice},
	}
	for _, t := range throttles {
		// The kernel takes one "major:minor rate" line per write.
		for _, d := range t.devs {
			if err := cgfile.Write(dir, t.file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate)); err != nil {
				return err
			}
		}
	}
	return nil
}
