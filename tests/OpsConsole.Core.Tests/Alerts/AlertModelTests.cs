using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class AlertModelTests
{
    [Fact]
    public void The_fingerprint_is_the_one_a_real_Alertmanager_reports_for_the_same_labels()
    {
        // Alertmanager 0.25 (Debian) answered /api/v2/alerts with this fingerprint after
        // `amtool alert add alertname=Test job=sampleshop severity=critical summary=hé` (non-ASCII on purpose).
        var labels = LabelSet.Of(("severity", "critical"), ("alertname", "Test"), ("summary", "hé"), ("job", "sampleshop"));

        Assert.Equal("d2fc00eee6a64fed", labels.Fingerprint);
    }

    [Fact]
    public void Order_does_not_matter_and_empty_values_are_absent_labels()
    {
        var a = LabelSet.Of(("alertname", "X"), ("job", "shop"));
        var b = LabelSet.Of(("job", "shop"), ("alertname", "X"), ("team", ""));

        Assert.Equal(a, b);
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, LabelSet.Of(("alertname", "X"), ("job", "shop2")).Fingerprint);
        Assert.Equal("cbf29ce484222325", LabelSet.Empty.Fingerprint); // FNV-1a 64's offset basis: nothing hashed
    }
}
