using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

public sealed class TableKeyTests
{
    [Theory]
    [InlineData("public", "orders", "public.orders")]
    [InlineData("shop_2", "order$lines", "shop_2.order$lines")]
    [InlineData("My Schema", "we ird.x", "\"My Schema\".\"we ird.x\"")]
    [InlineData("public", "Orders", "public.\"Orders\"")]
    [InlineData("public", "say \"hi\"", "public.\"say \"\"hi\"\"\"")]
    [InlineData("public", "1st", "public.\"1st\"")]
    public void Plain_names_stay_plain_and_others_are_quoted(string schema, string table, string key)
    {
        Assert.Equal(key, TableKey.Format(schema, table));
        Assert.Equal((schema, table), TableKey.Parse(key));
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("public.")]
    [InlineData(".orders")]
    [InlineData("public.orders.x")]
    [InlineData("\"unterminated.orders")]
    [InlineData("public.Orders")]
    [InlineData("\"\".orders")]
    public void Malformed_keys_are_refused(string key) => Assert.Throws<FormatException>(() => TableKey.Parse(key));

    [Fact]
    public void Sql_quotes_every_part() => Assert.Equal("\"public\".\"a\"\"b\"", TableKey.Sql("public", "a\"b"));
}
