// Each test class drives a real console process and a real Chromium; on two cores they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
