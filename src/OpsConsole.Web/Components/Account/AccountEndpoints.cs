using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Identity;

namespace OpsConsole.Web.Components.Account;

public static class AccountEndpoints
{
    /// <summary>Sign-out is a POST with an antiforgery token (a GET link, or a cross-site form, must not sign anyone out).</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/account/logout", async Task<IResult> (SignInManager<ConsoleUser> signIn, IAntiforgery antiforgery, HttpContext context) =>
        {
            // The antiforgery middleware only records the outcome; an endpoint without form binding must check it itself.
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.Problem(
                    title: "Missing or invalid antiforgery token",
                    detail: "Sign out from the console's own menu.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription(); // a browser form, not part of the API
        return endpoints;
    }
}
