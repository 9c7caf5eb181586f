using Microsoft.AspNetCore.Antiforgery;
using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Api;

/// <summary>
/// Cookie-authenticated API calls that change state must carry an antiforgery token (header RequestVerificationToken):
/// the browser attaches the cookie to any site's request, a token only our pages can read. Bearer-token calls are not
/// forgeable that way and pass through.
/// </summary>
public sealed class ApiAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        var viaToken = http.User.HasClaim(c => c.Type == ApiTokenAuthenticationHandler.AuthenticationMethodClaim);
        if (unsafeMethod && !viaToken && !await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem(
                title: "Antiforgery token required",
                detail: "State-changing API calls with the sign-in cookie need the RequestVerificationToken header; scripts should use an API token.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        return await next(context);
    }
}
