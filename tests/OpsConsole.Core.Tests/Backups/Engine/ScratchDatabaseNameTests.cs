using System.Text;
using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class ScratchDatabaseNameTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 14, 5, 9, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(ScratchPurpose.Drill, "sampleshop__drill_20261207130509")]
    [InlineData(ScratchPurpose.Restore, "sampleshop__restore_20261207130509")]
    [InlineData(ScratchPurpose.Before, "sampleshop__before_20261207130509")]
    public void Names_say_database_purpose_and_utc_time(ScratchPurpose purpose, string name)
    {
        Assert.Equal(name, ScratchDatabaseName.For("sampleshop", purpose, At));
        Assert.True(ScratchDatabaseName.IsScratchOf(name, "sampleshop", purpose));
    }

    [Fact]
    public void Long_names_are_shortened_to_63_bytes_on_a_character_boundary()
    {
        var database = new string('a', 38) + "é" + new string('b', 30);

        var drill = ScratchDatabaseName.For(database, ScratchPurpose.Drill, At);
        var restore = ScratchDatabaseName.For(database, ScratchPurpose.Restore, At);

        Assert.Equal(new string('a', 38) + "é" + "b" + "__drill_20261207130509", drill); // 38 + 2 + 1 + 22 bytes
        Assert.Equal(new string('a', 38) + "__restore_20261207130509", restore); // "é" (2 bytes) would not fit
        Assert.Equal(63, Encoding.UTF8.GetByteCount(drill));
        Assert.True(ScratchDatabaseName.IsScratchOf(drill, database, ScratchPurpose.Drill));
    }

    [Theory]
    [InlineData("sampleshop__drill_2026120713050")] // short stamp
    [InlineData("sampleshop__drill_2026120713050x")]
    [InlineData("sampleshop__drill_20261399130509")] // no 13th month
    [InlineData("sampleshop__before_20261207130509")]
    [InlineData("sampleshop2__drill_20261207130509")]
    [InlineData("sampleshop")]
    public void Other_names_are_not_drill_scratch_databases_of_the_database(string name) =>
        Assert.False(ScratchDatabaseName.IsScratchOf(name, "sampleshop", ScratchPurpose.Drill));
}
