using SampleShop.Data;

namespace SampleShop.Tests.Data;

public sealed class ShopMigratorTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sampleshop-sql-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void The_shipped_files_are_found_in_version_order()
    {
        var migrations = ShopMigrator.Discover(ShopMigrator.DefaultDirectory);

        Assert.Equal([(1, "initial"), (2, "seed")], migrations.Select(m => (m.Version, m.Name)));
    }

    [Fact]
    public void Versions_are_ordered_numerically_not_by_name()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "10_later.sql"), "");
        File.WriteAllText(Path.Combine(_directory.FullName, "9_earlier.sql"), "");

        Assert.Equal([9, 10], ShopMigrator.Discover(_directory.FullName).Select(m => m.Version));
    }

    [Theory]
    [InlineData("notes.sql", "001_a.sql", "is not named NNN_name.sql")]
    [InlineData("003_a.sql", "003_b.sql", "version 3 is used by more than one file")]
    public void A_badly_named_or_repeated_file_is_an_error(string first, string second, string expected)
    {
        File.WriteAllText(Path.Combine(_directory.FullName, first), "");
        File.WriteAllText(Path.Combine(_directory.FullName, second), "");

        var error = Assert.Throws<InvalidOperationException>(() => ShopMigrator.Discover(_directory.FullName));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
