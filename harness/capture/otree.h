/* An intrusive AVL tree keyed by a 64-bit offset: the index that lets a
 * stream find where an out-of-order segment belongs in O(log n) instead of
 * walking its queue (an attacker can queue tens of thousands of segments).
 * AVL rather than a randomised structure: its depth is bounded whatever
 * order the keys arrive in. Keys are unique. Not installed. */
#ifndef WIRERIG_OTREE_H
#define WIRERIG_OTREE_H

#include <stdint.h>

typedef struct wr_otree_node {
  struct wr_otree_node *l, *r;
  int h; /* height of the subtree, 1 for a leaf */
  uint64_t key;
} wr_otree_node;

/* Inserts x (its key set) into the tree rooted at root; returns the root. */
wr_otree_node *wr_otree_insert_(wr_otree_node *root, wr_otree_node *x);
/* Detaches the node with the smallest key into *min (root not NULL);
 * returns the new root. */
wr_otree_node *wr_otree_remove_min_(wr_otree_node *root, wr_otree_node **min);
/* The node with the greatest key <= key, or NULL. */
wr_otree_node *wr_otree_floor_(wr_otree_node *root, uint64_t key);

#endif
