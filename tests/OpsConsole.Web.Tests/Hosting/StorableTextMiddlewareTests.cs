using System.Text;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Hosting;

public sealed class StorableTextMiddlewareTests
{
    [Theory]
    [InlineData("""{"comment":"ok","createdBy":"a\u0000b"}""", "createdBy")]
    [InlineData("""{"matchers":[{"name":"job","value":"ok"},{"name":"x","value":"\u0000"}]}""", "matchers[1].value")]
    [InlineData("""{"alerts":[{"labels":{"job":"a","team":"b\u0000"}}]}""", "alerts[0].labels.team")]
    [InlineData("""{"roles":["Viewer",3,null,{"a":1},"\u0000"]}""", "roles[4]")]
    [InlineData("""["a","\u0000"]""", "[1]")]
    [InlineData("\"\\u0000\"", "body")]
    [InlineData("""{"labels":{"te\u0000am":"x"}}""", "labels.te\uFFFDam")]
    [InlineData("""{"note":"lone \ud800 surrogate"}""", "note")]
    [InlineData("""{"n":{"deep":[[1,2],["x","y\u0000"]]}}""", "n.deep[1][1]")]
    public void A_string_postgres_cannot_store_is_found_with_its_path(string json, string field)
    {
        var found = StorableTextMiddleware.FindInJson(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(found);
        Assert.Equal(field, found.Value.Field);
    }

    [Theory]
    [InlineData("""{"comment":"fine \u00e9 \ud83d\ude00","n":1,"list":["a","b"],"o":{"k":"v"}}""")]
    [InlineData("""{"broken":""")]
    [InlineData("not json at all")]
    [InlineData("")]
    public void Storable_or_malformed_json_passes_to_the_endpoint(string json) =>
        Assert.Null(StorableTextMiddleware.FindInJson(Encoding.UTF8.GetBytes(json)));
}
