// Package ext declares the two empty structs that Traefik v3.7's dynamic configuration embeds
// as extension points (dynamic.HTTP and dynamic.Router). A build of Traefik outside its own
// repository needs them from somewhere; nothing is added to either.
package ext

// HTTP is embedded in dynamic.HTTP.
type HTTP struct{}

// Router is embedded in dynamic.Router.
type Router struct{}
