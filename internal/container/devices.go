package container

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64 { return &v }

// defaultDeviceRules are allowed in every container after the config's own
// rules, as runc does (its specconv.AllowedDevices): configs written for runc
// deny everything and rely on these for /dev/null, the pty devices, etc.
var defaultDeviceRules = []specs.LinuxDeviceCgroup{
	{Allow: true, Type: "c", Access: "m"},
	{Allow: true, Type: "b", Access: "m"},
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},    // /dev/null
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(8), Access: "rwm"},    // /dev/random
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(7), Access: "rwm"},    // /dev/full
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"},    // /dev/tty
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(5), Access: "rwm"},    // /dev/zero
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(9), Access: "rwm"},    // /dev/urandom
	{Allow: true, Type: "c", Major: i64(136), Access: "rwm"},                 // /dev/pts/*
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(2), Access: "rwm"},    // /dev/ptmx
	{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"}, // /dev/net/tun
}

// withDeviceRules returns the resources to apply: the config's device rules,
// then an allow rule for each device in linux.devices, then the defaults.
// The spec's own struct is not modified.
func withDeviceRules(s *specs.Spec) *specs.LinuxResources {
	var r specs.LinuxResources
	if s.Linux != nil && s.Linux.Resources != nil {
		r = *s.Linux.Resources
	}
	rules := append([]specs.LinuxDeviceCgroup(nil), r.Devices...)
	if s.Linux != nil {
		for _, d := range s.Linux.Devices {
			if d.Type == "p" {
				continue
			}
			t := d.Type
			if t == "u" {
				t = "c"
			}
			rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: t, Major: i64(d.Major), Minor: i64(d.Minor), Access: "rwm"})
		}
	}
	r.Devices = append(rules, defaultDeviceRules...)
	return &r
}
