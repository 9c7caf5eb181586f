using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class ManifestTests
{
    private const string RestoreList = """
        ;
        ; Archive created at 2026-12-07 05:47:32 UTC
        ;     dbname: t1
        ;
        6; 2615 16385 SCHEMA - My Schema postgres
        216; 1259 16389 TABLE My Schema we ird.x postgres
        215; 1259 16386 TABLE public orders postgres
        3358; 0 16389 TABLE DATA My Schema we ird.x postgres
        3357; 0 16386 TABLE DATA public orders postgres
        3359; 0 16397 TABLE DATA public p1 app owner
        3368; 0 0 SEQUENCE SET public s postgres
        """;

    [Fact]
    public void Lists_the_table_data_entries()
    {
        Assert.Equal(["My Schema we ird.x postgres", "public orders postgres", "public p1 app owner"], Manifest.TableDataEntries(RestoreList));
    }

    [Fact]
    public void Finds_manifest_tables_without_data_in_the_archive()
    {
        var missing = Manifest.MissingTableData(RestoreList, ["public.orders", "\"My Schema\".\"we ird.x\"", "public.p1", "public.customers", "public.order"]);

        Assert.Equal(["public.customers", "public.order"], missing);
    }

    [Fact]
    public void Compares_counts_both_ways()
    {
        var expected = new Dictionary<string, long> { ["public.a"] = 10, ["public.b"] = 5, ["public.gone"] = 1 };
        var actual = new Dictionary<string, long> { ["public.a"] = 10, ["public.b"] = 4, ["public.extra"] = 2 };

        var mismatches = Manifest.Compare(expected, actual);

        Assert.Equal(
            [new RowCountMismatch("public.b", 5, 4), new RowCountMismatch("public.extra", null, 2), new RowCountMismatch("public.gone", 1, null)],
            mismatches);
        Assert.Equal("public.b: 5 rows expected, 4 restored", mismatches[0].ToString());
        Assert.Empty(Manifest.Compare(expected, expected));
    }
}
