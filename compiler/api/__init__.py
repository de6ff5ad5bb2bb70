"""The genomic virtualization API (``create_bio_vm``, ``GenomicVirtualizationManager``,
``execute_biological_process``): every call runs the compiled model.

``language``: the call language of ``execute_biological_process`` (parsed, never evaluated);
``metabolism``: flux balance of a VM's genome (COBRApy; iMB155 for Syn3A, E. coli core).
"""
