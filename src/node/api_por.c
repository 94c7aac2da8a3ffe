/*
 * api_por.c - proof-of-reserves reads: an asset's latest publication
 * (GET /api/assets/SYM/por) and a holder's inclusion proof in it
 * (GET /api/assets/SYM/por/ADDR). The proof is self-contained: `mintline
 * por verify` needs nothing else to check it (docs/operators/proof-of-reserves.md).
 */
#include <string.h>

#include "../engine/por.h"
#include "server.h"

/* The asset's index when it has a publication; else answers the error. */
static int api_por__find(const struct engine *e, const char *symbol, struct server_response *out) {
    int index = api_asset_of_kind(e, symbol, ASSET_FIAT, out);
    if (index >= 0 && (e->s.assets[index].por.block == 0 || e->por[index] == NULL)) {
        server_error(out, ERR_NOT_FOUND, "no proof of reserves published for this asset yet");
        return -1;
    }
    return index;
}

void api_por(struct server *s, const char *symbol, struct server_response *out) {
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = api_por__find(e, symbol, out);
    if (index >= 0) {
        struct jw w;
        jw_init(&w, &out->body);
        por_publication_json(&e->s.assets[index], 0, &w);
        out->status = 200;
    }
    pthread_rwlock_unlock(&s->chain.lock);
}

void api_por_proof(struct server *s, const char *symbol, const char *address,
                   struct server_response *out) {
    struct addr a;
    if (addr_parse(address, strlen(address), &a) != ERR_OK) {
        server_error(out, ERR_INVALID_ADDRESS, address);
        return;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = api_por__find(e, symbol, out);
    int64_t leaf = index >= 0 ? por_tree_find(e->por[index], &a) : -1;
    if (leaf >= 0) {
        struct por_proof p;
        por_proof_of(e, (uint32_t)index, (uint32_t)leaf, &p);
        struct jw w;
        jw_init(&w, &out->body);
        por_proof_json(&e->s.assets[index], &p, &w);
        out->status = 200;
    } else if (index >= 0) {
        server_error(out, ERR_NOT_FOUND, "this address held none of the asset at the publication");
    }
    pthread_rwlock_unlock(&s->chain.lock);
}
