using Microsoft.AspNetCore.Http;
using OpsConsole.Core.Keys;
using OpsConsole.Web.Features.Keys;

namespace OpsConsole.Web.Tests.Features.Keys;

public sealed class JwksResponseTests
{
    private const string ETag = "\"abc\"";

    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("W/\"abc\"", true)] // If-None-Match compares weakly
    [InlineData("\"x\", \"abc\"", true)]
    [InlineData("*", true)]
    [InlineData("\"abd\"", false)]
    [InlineData("abc", false)] // not an entity tag
    [InlineData("", false)]
    public void If_None_Match_matches_the_current_ETag(string header, bool expected) =>
        Assert.Equal(expected, JwksResponse.Matches(header, ETag));

    [Fact]
    public void The_response_carries_the_ETag_and_the_max_age_in_seconds()
    {
        var context = new DefaultHttpContext();
        var document = Jwks.Build([]);

        JwksResponse.Write(context, document, TimeSpan.FromMinutes(5), "shop");

        Assert.Equal(document.ETag, context.Response.Headers.ETag.ToString());
        Assert.Equal("public, max-age=300", context.Response.Headers.CacheControl.ToString());
    }
}
