using OpsConsole.Core.Backups;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Tests.Features.Backups;

public sealed class DatabaseTextTests
{
    [Theory]
    [InlineData(12, "12 s")]
    [InlineData(59 * 60, "59 min")]
    [InlineData(3 * 3600, "3 h")]
    [InlineData(3 * 3600 + 12 * 60 + 40, "3 h 12 min")]
    [InlineData(26 * 3600, "1 d 2 h")]
    [InlineData(3 * 86400, "3 d")]
    public void Spans_are_precise_enough_to_compare_with_an_rpo(int seconds, string expected) =>
        Assert.Equal(expected, DatabaseText.Span(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(7 * 60, "RPO 7h")]
    [InlineData(26 * 60, "RPO 26h")]
    [InlineData(48 * 60, "RPO 2d")]
    [InlineData(90, "RPO 1.5h")]
    [InlineData(30, "RPO 30m")]
    public void An_rpo_reads_as_it_is_configured(int minutes, string expected) =>
        Assert.Equal(expected, DatabaseText.Rpo(TimeSpan.FromMinutes(minutes)));

    [Theory]
    [InlineData(2.34, "RTO 2.3 s")]
    [InlineData(125.2, "RTO 2 min 05 s")]
    [InlineData(3725, "RTO 1 h 02 min")]
    public void The_measured_restore_time_reads_as_an_rto(double seconds, string expected) =>
        Assert.Equal(expected, DatabaseText.Rto(seconds));

    [Fact]
    public void Freshness_is_a_word_and_a_state_colour()
    {
        Assert.Equal(["fresh", "ageing", "too old"], new[] { BackupFreshness.Fresh, BackupFreshness.Ageing, BackupFreshness.TooOld }.Select(DatabaseText.Word));
        Assert.Equal(["tile-healthy", "tile-warning", "tile-critical"], new[] { BackupFreshness.Fresh, BackupFreshness.Ageing, BackupFreshness.TooOld }.Select(DatabaseText.StateClass));
    }

    [Fact]
    public void Links_go_to_the_operation_the_filtered_operations_list_and_the_download()
    {
        var id = Guid.Parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        Assert.Equal("/operations/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", DatabaseText.OperationHref(id));
        Assert.Equal("/operations?target=database:sampleshop", DatabaseText.OperationsHref("sampleshop"));
        Assert.Equal("/api/v1/backups/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/file", DatabaseText.DownloadHref(id));
        Assert.Equal("3f2a9c0d1e7b", DatabaseText.ShortSha("3f2a9c0d1e7b44aa0123456789abcdef0123456789abcdef0123456789abcdef"));
    }
}
