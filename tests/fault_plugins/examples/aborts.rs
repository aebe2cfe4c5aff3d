//! Fault: the signal `aborts.flag` calls `icp_fault_plugins::abort` for the lead whose domain
//! is `boom.example`: a fault in native code no panic guard catches. In-process it ends
//! `icp`; isolated (`isolate = true`, with a `timeout` for the hang) it is an error
//! naming the plugin.

icp_fault_plugins::native_fault_plugin!(Aborts, "aborts", icp_fault_plugins::abort);
